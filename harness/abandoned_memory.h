// Heap blocks of a library call that a signal abandoned. The guard jumps out
// of the call without unwinding it, so what its frames owned (a temporary
// std::string, a buffer) is unreachable, and LeakSanitizer would report it
// as the library's leak: at exit, and in libFuzzer's per-input leak check.
// While a guarded call runs, the sanitizer's malloc/free hooks note the
// blocks allocated and not yet freed; after an abandonment those blocks are
// handed to __lsan_ignore_object. Outside sanitized builds all of it is a
// no-op.
#pragma once

namespace mapfuzz::abandoned_memory {

// Installs the malloc/free hooks (once; later calls do nothing). Returns
// false if the sanitizer runtime offers no hooks.
bool install();
// Starts noting the blocks of a new call (forgets those of the last one).
void begin_call();
// Stops noting (the call returned normally).
void end_call();
// The call was abandoned: the blocks it allocated and never freed are not
// leaks. Returns how many blocks were excused (-1 if some were not noted
// because the table overflowed: then leak checking is turned off for the
// rest of the process, rather than report the abandoned call's blocks).
int excuse_abandoned();

}  // namespace mapfuzz::abandoned_memory
