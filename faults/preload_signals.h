// The preload library's SIGBUS/SIGSEGV handler: on a fault on a scoped
// mapping it says where first (a `signal` record, see run_protocol.h: the
// mapped file, the file offset, the file's size at that moment; at most 16
// per run), then the program goes on exactly as it would have: the handler
// that was in place before runs (Python's faulthandler prints the Python
// stack and re-raises), or, with none, the default action kills it. Faults
// elsewhere are not recorded (a program may take them on purpose).
#pragma once

#include <cstddef>

namespace mapfuzz::faults::preload {

// Makes the preload's handler the first to see SIGBUS and SIGSEGV, chaining
// to whatever handler is installed now (called again at each scoped mmap,
// so a handler the program installed after start, such as faulthandler's,
// comes after it). Records go to `log_fd`. Not async-signal-safe; call it
// from one thread at a time (the preload calls it under its own guard).
void ensure_signal_handlers(int log_fd);

// Remembers that `fd` was just mapped and names `path` (which may be cut):
// a fault on that mapping names the file even after the fd is closed (a
// program may map, then close its fd, as numpy.memmap does).
void note_mapped_path(int fd, const char* path, size_t length);

// The path noted for `fd`'s latest mapping; "" if none.
const char* mapped_path(int fd);

}  // namespace mapfuzz::faults::preload
