// "Another process" acting on sandbox files on command: shrink, regrow,
// extend, punch, pwrite, chmod, unlink, replace, and holding locks on them
// (outside_event.h). Two modes
// behind one interface, with the same file outcome for the same events
// (both run perform_outside_event(), outside_apply.h):
//  - OutsideProcess: a long-lived helper process forked once; each event is
//    one round trip through a futex pair in shared memory (~ a pipe round
//    trip: see bench_outside). It follows the parent's CPU (a wake-up across
//    vCPUs costs 40-60 us here), dies with its parent (PR_SET_PDEATHSIG) and
//    owns no file, fd or name anywhere: nothing is left behind.
//  - InProcessOutside: the same events in this process through a second fd
//    (for OSS-Fuzz, where child processes are not allowed).
// Neither is seen by the interposer: outside events are never logged as the
// library's calls and never failed by armed faults. The in-process mode acts
// with the calling thread's credentials and the process's limits: under
// DroppedPrivileges or FileSizeLimit (disk_full.h, privileges.h) it can fail
// where the helper, which keeps its own, succeeds; apply events outside
// those scopes when both modes must agree.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "faults/outside_apply.h"
#include "faults/outside_event.h"

namespace mapfuzz::faults {

class Outside {
 public:
  virtual ~Outside() = default;
  // Performs `event` on the file at `path` and waits until it is done.
  // Returns ok on success. On failure: EPERM from "path_inside" (nothing
  // done) if `path` is not strictly inside the sandbox directory given at
  // start (path_inside()); ECHILD from "outside process" if the helper
  // process is gone (then every later call fails so); ENAMETOOLONG from
  // "outside process" if `path` does not fit the helper's channel; else the
  // errno and name of the call that failed, with what it already did left
  // done (perform_outside_event()). Never injected(): no armed fault acts
  // on outside events. Not thread-safe: one caller at a time.
  // After a successful kLock, *locked (if not null) is the file it locked.
  virtual Status apply(const std::string& path, const OutsideEvent& event, FileId* locked = nullptr) = 0;
  // Lets go of every lock taken by kLock events (closes their fds) and
  // waits until that is done. The executor calls it at the end of each run.
  // Returns ok, or ECHILD from "outside process" if the helper is gone
  // (its locks went with it).
  virtual Status release_locks() = 0;
  // "process" or "in-process": which mode ran, for the report.
  virtual const char* mode() const = 0;
};

class InProcessOutside final : public Outside {
 public:
  // `sandbox_dir`: absolute, no trailing slash. `fill`: see FillFn (may be
  // null: then kPwrite fails with EINVAL).
  // Its fcntl locks are OFD locks (LockFds::fcntl_as_ofd): fcntl locks of
  // one process never conflict, and closing any fd of the file in this
  // process would drop them.
  InProcessOutside(std::string sandbox_dir, FillFn fill);
  ~InProcessOutside() override { faults::release_locks(&locks_); }
  Status apply(const std::string& path, const OutsideEvent& event, FileId* locked = nullptr) override;
  Status release_locks() override {
    faults::release_locks(&locks_);
    return {};
  }
  const char* mode() const override { return "in-process"; }

 private:
  std::string dir_;
  FillFn fill_;
  std::vector<uint8_t> scratch_;
  LockFds locks_;
};

class OutsideProcess final : public Outside {
 public:
  struct Options {
    // Pin the helper to the CPU the caller runs on at each event (moving it
    // with one sched_setaffinity when the caller has moved). The caller's
    // own affinity is never changed.
    bool follow_cpu = true;
  };

  // Forks the helper and waits for it to answer once. Call it early, before
  // the process starts threads if possible (the child then inherits no
  // locked mutex; it only makes system calls and calls `fill`), after any
  // private mount (disk_full.h: the helper sees the mounts of the moment it
  // is forked), from a thread that lives as long as the helper should: the
  // helper is killed when that thread exits. Returns null and sets *why
  // (if non-null) if the fork or the first answer fails.
  static std::unique_ptr<OutsideProcess> start(const std::string& sandbox_dir, FillFn fill, Options options,
                                               std::string* why = nullptr);
  static std::unique_ptr<OutsideProcess> start(const std::string& sandbox_dir, FillFn fill,
                                               std::string* why = nullptr) {
    return start(sandbox_dir, fill, Options(), why);
  }
  // Kills the helper with SIGKILL and reaps it.
  ~OutsideProcess() override;
  OutsideProcess(const OutsideProcess&) = delete;
  OutsideProcess& operator=(const OutsideProcess&) = delete;

  Status apply(const std::string& path, const OutsideEvent& event, FileId* locked = nullptr) override;
  Status release_locks() override;
  const char* mode() const override { return "process"; }

  // The helper's pid (for tests and diagnostics); -1 once it is known dead.
  pid_t pid() const { return alive_ ? pid_ : -1; }

  struct Channel;  // the shared page (outside_process.cc)

 private:
  OutsideProcess() = default;
  bool await_reply(uint32_t seq);
  // Posts the channel's command and waits for the answer.
  Status round_trip();

  Options options_;
  Channel* channel_ = nullptr;
  pid_t pid_ = -1;
  bool alive_ = false;
  std::string dir_;
};

// The helper process if `allow_child` and it starts, else the in-process
// mode. If the helper was wanted but failed to start, *why (if non-null)
// says why. Never returns null.
std::unique_ptr<Outside> make_outside(bool allow_child, const std::string& sandbox_dir, FillFn fill,
                                      std::string* why = nullptr);

}  // namespace mapfuzz::faults
