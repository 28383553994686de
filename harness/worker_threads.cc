#include "harness/worker_threads.h"

#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace mapfuzz {

using Clock = std::chrono::steady_clock;

struct WorkerThreads::Worker {
  std::mutex mu;
  std::condition_variable cv;  // both ways: a job posted, a job done, exit
  Job job = nullptr;
  void* arg = nullptr;
  Clock::time_point start;  // not before this
  uint64_t posted = 0;
  uint64_t done = 0;
  bool exit = false;
  pthread_t tid{};

  static void* main(void* self) {
    auto* w = static_cast<Worker*>(self);
    std::unique_lock lock(w->mu);
    for (;;) {
      w->cv.wait(lock, [w] { return w->exit || w->posted != w->done; });
      if (w->exit) return nullptr;
      const Job job = w->job;
      void* arg = w->arg;
      const Clock::time_point start = w->start;
      lock.unlock();
      std::this_thread::sleep_until(start);
      job(arg);
      lock.lock();
      ++w->done;
      w->cv.notify_all();
    }
  }

  void post(Job j, void* a, Clock::time_point at) {
    std::lock_guard lock(mu);
    job = j;
    arg = a;
    start = at;
    ++posted;
    cv.notify_all();
  }

  // False if the job had not returned by `deadline`.
  bool wait(Clock::time_point deadline) {
    std::unique_lock lock(mu);
    return cv.wait_until(lock, deadline, [this] { return done == posted; });
  }
};

namespace {

// Workers given up on (stuck in a job): never freed, still reachable.
std::vector<void*>& abandoned() {
  static auto* list = new std::vector<void*>;
  return *list;
}

}  // namespace

WorkerThreads::~WorkerThreads() {
  if (pid_ != ::getpid()) return;  // a forked child's copy: the threads are the parent's
  for (Worker*& w : workers_) {
    if (!w) continue;
    {
      std::lock_guard lock(w->mu);
      w->exit = true;
      w->cv.notify_all();
    }
    pthread_join(w->tid, nullptr);
    delete w;
    w = nullptr;
  }
}

WorkerThreads::Worker* WorkerThreads::worker(uint8_t thread) {
  if (pid_ != ::getpid()) {  // first use, or a forked child: no worker of ours runs here
    for (Worker*& w : workers_) w = nullptr;
    pid_ = ::getpid();
  }
  Worker*& w = workers_[thread];
  if (!w) {
    w = new Worker;
    if (pthread_create(&w->tid, nullptr, &Worker::main, w) != 0) {
      delete w;
      w = nullptr;
    }
  }
  return w;
}

void WorkerThreads::run(uint8_t thread, Job job, void* arg) {
  Worker* w = thread == 0 || thread >= kMaxThreads ? nullptr : worker(thread);
  if (!w) {  // thread 0, or no thread could be started: the caller runs it
    job(arg);
    return;
  }
  w->post(job, arg, Clock::time_point{});
  (void)w->wait(Clock::time_point::max());
}

bool WorkerThreads::race(std::span<const Task> tasks, std::chrono::microseconds stagger,
                         std::chrono::milliseconds timeout) {
  // With a stagger, the first starts once all are posted; without, at once.
  const Clock::time_point first =
      stagger.count() != 0 ? Clock::now() + std::chrono::microseconds(100) : Clock::time_point{};
  Worker* posted[kMaxThreads] = {};
  for (size_t i = 0; i < tasks.size(); ++i) {
    const uint8_t t = tasks[i].thread < kMaxThreads ? tasks[i].thread : 0;
    // Thread 0's task runs on a stand-in: the caller must stay free to time out.
    Worker* w = posted[t] ? nullptr : worker(t);
    if (!w) {  // no thread: run it here, before the others start
      tasks[i].job(tasks[i].arg);
      continue;
    }
    w->post(tasks[i].job, tasks[i].arg, first + stagger * static_cast<int64_t>(i));
    posted[t] = w;
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  bool all = true;
  for (Worker* w : posted) {
    if (!w || w->wait(deadline)) continue;
    all = false;
    for (Worker*& slot : workers_) {
      if (slot == w) slot = nullptr;  // replaced at next use
    }
    abandoned().push_back(w);
  }
  return all;
}

}  // namespace mapfuzz
