// What the runner (`mapfuzz run`, harness/run/) and the preload library
// (faults/preload.cc, LD_PRELOADed into the program) say to each other: the
// environment the runner gives the program, and the records the preload
// writes back. One place for both sides.
//
// Environment (all set by the runner; the program sees them):
//   MAPFUZZ_RUN_PID     the pid the preload acts in (the process the runner
//                       started, whatever it execs into); "0": every process
//                       that loads it (the debugger mode, where gdb's shell
//                       starts the program). Other processes (the program's
//                       children) load it but act as if it were not there.
//   MAPFUZZ_SANDBOX     the run's fresh sandbox directory (also the cwd).
//   MAPFUZZ_RUN_SCOPE   absolute glob patterns, one per line: the files the
//                       faults touch. Unset: everything under MAPFUZZ_SANDBOX.
//   MAPFUZZ_RUN_FAULTS  "call:errno:nth:once|persistent;..." (numbers for
//                       call and errno: faults::Call, errno values).
//   MAPFUZZ_RUN_EVENTS  "mN;cN;...": event i fires right after the program's
//                       Nth successful mmap of a scoped file (mN), or right
//                       after its Nth call on one (cN), before the call
//                       returns to the program.
//   MAPFUZZ_RUN_LOG_FD  an fd open for appending: the records below.
//   MAPFUZZ_RUN_EVENT_FD  a stream socket: the preload writes an EventRequest
//                       when an event is due and waits for one byte back
//                       (the runner performed the event, or could not).
//
// Records: text lines, each written with one write(2) so that lines from
// several threads never interleave:
//   start <pid>
//   call <name> <count> <fd> <file_offset> <length> <errno> <injected 0|1> <path>
//                                               (every call up to the 100000th,
//                                               then failed ones and every 1024th)
//   stack <module path>+0x<offset> <symbol>     (after an injected call)
//   pystack <text>                              (a Python frame, likewise)
//   event <index> <mmap number> <path>          (before the runner performs it)
//   signal <signo> <si_code> 0x<addr> <fd> <file_offset> <file size> <path>
//                                               (a fault on a scoped mapping;
//                                               at most 16, the fatal one last)
#pragma once

#include <cstdint>

namespace mapfuzz::faults::run {

inline constexpr const char kEnvPid[] = "MAPFUZZ_RUN_PID";
inline constexpr const char kEnvSandbox[] = "MAPFUZZ_SANDBOX";
inline constexpr const char kEnvScope[] = "MAPFUZZ_RUN_SCOPE";
inline constexpr const char kEnvFaults[] = "MAPFUZZ_RUN_FAULTS";
inline constexpr const char kEnvEvents[] = "MAPFUZZ_RUN_EVENTS";
inline constexpr const char kEnvLogFd[] = "MAPFUZZ_RUN_LOG_FD";
inline constexpr const char kEnvEventFd[] = "MAPFUZZ_RUN_EVENT_FD";

// The fds the runner hands the program these on (high, out of the way of
// the program's own numbering).
inline constexpr int kLogFd = 1021;
inline constexpr int kEventFd = 1022;

// Sent by the preload on the event socket when event `index` is due.
struct EventRequest {
  uint32_t index;
  uint32_t mmap_number;
  char path[4088];  // the mapped file's path, NUL-terminated ("" if unknown)
};

// The runner's one-byte answer.
inline constexpr char kEventDone = 'd';
inline constexpr char kEventFailed = 'f';

}  // namespace mapfuzz::faults::run
