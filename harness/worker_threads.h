// The threads a program's ops run on (Op::thread): thread 0 is the caller's,
// threads 1..kMaxThreads-1 are workers started on first use. A job is either
// handed over (the caller waits for it: one thing runs at a time, in program
// order, the same on every run) or raced (several jobs start together).
//
// Fork-safe: a forked child (the property test's isolated runs) starts its
// own workers; the parent's are never touched there.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "harness/op.h"

namespace mapfuzz {

class WorkerThreads {
 public:
  using Job = void (*)(void* arg);
  struct Task {
    uint8_t thread;  // 0..kMaxThreads-1; distinct within one race
    Job job;
    void* arg;
  };

  WorkerThreads() = default;
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;
  // Tells this process's workers to exit and joins them (abandoned ones
  // are left to themselves).
  ~WorkerThreads();

  // Runs job(arg) on `thread` and returns once it has returned. Thread 0
  // (or an invalid one) runs it on the caller. The caller's writes before
  // the call happen before the job; the job's before the return.
  void run(uint8_t thread, Job job, void* arg);

  // Starts every task on its own thread (thread 0's on a stand-in worker,
  // so that the caller stays free to time out) at about the same time, the i-th `stagger * i` after the first, and waits
  // for all. Returns false if some had not returned after `timeout`: they
  // are abandoned (their workers are replaced; a job stuck for ever, e.g.
  // on a lock whose holder a signal unwound, stays stuck).
  bool race(std::span<const Task> tasks, std::chrono::microseconds stagger, std::chrono::milliseconds timeout);

 private:
  struct Worker;
  Worker* worker(uint8_t thread);

  Worker* workers_[kMaxThreads] = {};
  int pid_ = 0;  // the process the workers belong to
};

}  // namespace mapfuzz
