// What an error means for code that uses memory-mapped files, read from one
// table (explanations.cc): each (call, errno) pair the kernel returns for
// the calls around a mapping, a fallback per call and per errno for the
// pairs it does not list, each signal and si_code a mapping can raise, and
// per finding kind what a correct library does instead. Reports print a
// `why:` line from it (harness/why.h); docs/ERRORS.md is generated from it
// (`mapfuzz-<target> errors --markdown`).
//
// Depends on the C++ standard library and libc only. Every function is
// thread-safe and returns pointers to static text that lives for the program.
#pragma once

#include <string>
#include <vector>

#include "harness/finding.h"

namespace mapfuzz::explain {

// How error_meaning() found its text.
enum class Match {
  kExact,     // the table lists this (call, errno) pair
  kFallback,  // the errno's generic meaning, with the call's fallback if the call is known
  kUnknown,   // neither the errno nor the call is in the table
};

struct ErrorMeaning {
  std::string text;  // one line, no trailing period
  Match match = Match::kUnknown;
};

// The table's name for a call: `name` if the table describes it, else the
// call it aliases ("posix_fallocate" -> "fallocate", "pwrite64" -> "write",
// "fdatasync" -> "fsync", "openat" -> "open", "truncate" -> "ftruncate",
// "mmap64" -> "mmap", "F_SETLK" -> "fcntl"), else nullptr (an adapter's own
// name such as "mapped_region::flush"; null `name` too).
const char* canonical_call(const char* name);

// What `error` (> 0) returned by `call` means for a mapped file. The
// (call, errno) entry if the table has one (kExact); else the errno's
// generic meaning, followed by the call's fallback when canonical_call()
// knows the call (kFallback); else the call's fallback alone (kFallback),
// or "error <name>, which the table does not describe" (kUnknown).
ErrorMeaning error_meaning(const char* call, int error);

// The signal's meaning for a mapping, with si_code `code`: the (signo, code)
// entry, else the signal's fallback ("SIGBUS with another si_code ..."),
// else a line for any other signal. A code <= 0 means the signal was sent by
// a process (kill, raise, abort), not raised by a memory access.
const char* signal_meaning(int signo, int code);
// "SIGBUS", "SIGSEGV", ...; "signal <n>" is not returned: "signal" for
// signals the table does not name.
const char* signal_name(int signo);
// "BUS_ADRERR", "SEGV_MAPERR", ...; "BUS_?" / "SEGV_?" / "?" for codes the
// table does not name; "SI_USER"-style names for codes <= 0.
const char* signal_code_name(int signo, int code);

// What a correct library does instead of what `kind` found: one sentence
// beginning "A correct library", ending in a period. "" for kNone.
const char* correct_library(FindingKind kind);

// The calls the table describes, in table order ("open", "close", ...).
std::vector<const char*> described_calls();
// The errnos the table lists for `call` (kExact entries), in table order.
std::vector<int> described_errnos(const char* call);

// docs/ERRORS.md: the whole table as Markdown.
std::string errors_markdown();

}  // namespace mapfuzz::explain
