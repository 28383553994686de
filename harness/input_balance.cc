#include "harness/input_balance.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>

extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, size_t),
                                                         void (*free_hook)(const volatile void*))
    __attribute__((weak));

namespace mapfuzz::input_balance {
namespace {

constexpr size_t kMaxBlocks = 1 << 18;

// The reserve: a static array, so that holding it allocates nothing.
void* g_blocks[kMaxBlocks];
size_t g_held = 0;
size_t g_capacity = 0;
bool g_installed = false;
std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_mallocs{0};
std::atomic<int64_t> g_frees{0};

void on_malloc(const volatile void*, size_t) {
  if (g_counting.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
}

void on_free(const volatile void* p) {
  if (p != nullptr && g_counting.load(std::memory_order_relaxed)) g_frees.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

bool install(size_t blocks) {
  if (g_installed) return true;
  if (!__sanitizer_install_malloc_and_free_hooks) return false;
  g_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  if (!g_installed) return false;
  g_capacity = blocks < kMaxBlocks ? blocks : kMaxBlocks;
  while (g_held < g_capacity) g_blocks[g_held++] = std::malloc(1);
  return true;
}

void begin_input() {
  if (!g_installed) return;
  g_mallocs.store(0, std::memory_order_relaxed);
  g_frees.store(0, std::memory_order_relaxed);
  g_counting.store(true, std::memory_order_relaxed);
}

long end_input(bool kept_on_purpose) {
  if (!g_installed || !g_counting.load(std::memory_order_relaxed)) return 0;
  const int64_t excess = g_mallocs.load(std::memory_order_relaxed) - g_frees.load(std::memory_order_relaxed);
  g_counting.store(false, std::memory_order_relaxed);
  long settled = 0;
  if (excess > 0 && kept_on_purpose) {
    for (; settled < excess && g_held > 0; ++settled) std::free(g_blocks[--g_held]);
  } else if (excess < 0) {
    for (; settled > excess && g_held < g_capacity; --settled) g_blocks[g_held++] = std::malloc(1);
  }
  return settled;
}

size_t reserve_left() { return g_held; }

}  // namespace mapfuzz::input_balance
