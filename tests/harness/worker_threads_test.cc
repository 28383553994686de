// The threads a program's ops run on: a handed-over job runs on its worker
// and is done when run() returns; raced jobs start in their stagger order;
// a stuck job is given up on after the timeout; a forked child starts its
// own workers.
#include "harness/worker_threads.h"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <boost/test/unit_test.hpp>

namespace mapfuzz {
namespace {

struct Seen {
  long tid = 0;
  std::chrono::steady_clock::time_point at;
};

void note(void* arg) {
  auto* s = static_cast<Seen*>(arg);
  s->tid = ::syscall(SYS_gettid);
  s->at = std::chrono::steady_clock::now();
}

BOOST_AUTO_TEST_SUITE(worker_threads)

BOOST_AUTO_TEST_CASE(a_handed_over_job_runs_on_its_thread_and_is_done_on_return) {
  WorkerThreads threads;
  Seen zero, one, two, one_again;
  threads.run(0, &note, &zero);
  threads.run(1, &note, &one);
  threads.run(2, &note, &two);
  threads.run(1, &note, &one_again);
  BOOST_TEST(zero.tid == ::getpid());  // thread 0 is the caller's
  BOOST_TEST(one.tid != zero.tid);
  BOOST_TEST(two.tid != one.tid);
  BOOST_TEST(two.tid != zero.tid);
  BOOST_TEST(one_again.tid == one.tid);
}

BOOST_AUTO_TEST_CASE(raced_jobs_start_in_their_stagger_order_on_distinct_threads) {
  WorkerThreads threads;
  Seen seen[3];
  const WorkerThreads::Task tasks[] = {{2, &note, &seen[0]}, {0, &note, &seen[1]}, {1, &note, &seen[2]}};
  BOOST_TEST(threads.race(tasks, std::chrono::microseconds(20000), std::chrono::milliseconds(5000)));  // wide: a loaded machine
  BOOST_TEST(seen[0].tid != seen[1].tid);
  BOOST_TEST(seen[1].tid != seen[2].tid);
  BOOST_TEST(seen[1].tid != ::getpid());  // thread 0's task runs on a stand-in
  BOOST_TEST((seen[0].at < seen[1].at && seen[1].at < seen[2].at));
}

BOOST_AUTO_TEST_CASE(a_stuck_job_is_given_up_on_and_its_worker_replaced) {
  WorkerThreads threads;
  static std::atomic<bool> release{false};
  const WorkerThreads::Task stuck[] = {{1, [](void*) {
                                          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                        },
                                        nullptr}};
  BOOST_TEST(!threads.race(stuck, std::chrono::microseconds(0), std::chrono::milliseconds(50)));
  Seen after;
  threads.run(1, &note, &after);  // a fresh worker answers
  BOOST_TEST(after.tid != ::getpid());
  release = true;
}

BOOST_AUTO_TEST_CASE(a_forked_child_starts_its_own_workers) {
  WorkerThreads threads;
  Seen parent;
  threads.run(1, &note, &parent);
  const pid_t pid = ::fork();
  if (pid == 0) {
    Seen child;
    threads.run(1, &note, &child);
    _exit(child.tid != 0 && child.tid != parent.tid && child.tid != ::getpid() ? 0 : 1);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace mapfuzz
