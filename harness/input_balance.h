// Keeps a fuzz input's count of mallocs and frees balanced when the harness
// keeps memory on purpose. libFuzzer runs an input again, and then scans the
// whole heap for leaks, whenever the input made more mallocs than frees;
// after 1000 such inputs it stops checking leaks for the rest of the run.
// A run that a documented hazard ended abandons its library instance (it can
// never be destroyed: harness/executor.h), an excess that is no leak and
// that, input after input, would turn leak checking off within seconds.
//
// The harness pays for such an excess from a reserve of small blocks
// allocated before the first input: freeing one block per malloc too many.
// An input that frees more than it allocates refills the reserve. Only an
// input that abandoned an instance is settled so; any other imbalance is
// left for libFuzzer to check. LeakSanitizer's check at exit still sees
// every block. Outside sanitized builds (no malloc hooks) all of it is a
// no-op.
#pragma once

#include <cstddef>

namespace mapfuzz::input_balance {

// Installs the counting hooks and allocates the reserve (`blocks` of them).
// Call once, before the first input (LLVMFuzzerInitialize). Returns false
// if the sanitizer runtime offers no hooks (then the calls below do nothing).
bool install(size_t blocks);
// Starts counting the process's mallocs and frees for a new input.
void begin_input();
// Ends the input's count. If `kept_on_purpose`, frees one reserve block per
// malloc beyond the input's frees (as many as the reserve holds); an input
// with more frees than mallocs refills the reserve by the difference.
// Returns the number of blocks freed (negative: refilled).
long end_input(bool kept_on_purpose);
// Blocks in the reserve now.
size_t reserve_left();

}  // namespace mapfuzz::input_balance
