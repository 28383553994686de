#include "harness/abandoned_memory.h"

#include <cstddef>
#include <cstdint>

extern "C" {
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, size_t),
                                              void (*free_hook)(const volatile void*)) __attribute__((weak));
void __lsan_ignore_object(const void* p) __attribute__((weak));
void __lsan_disable() __attribute__((weak));
}

namespace mapfuzz::abandoned_memory {
namespace {

// Open addressing over a fixed table: the hooks run inside malloc and must
// not allocate. Slots of earlier calls are stale by generation, so a new
// call starts empty without clearing the table.
constexpr size_t kSlots = 1 << 14;
struct Slot {
  const volatile void* ptr;
  uint32_t generation;
};
Slot g_slots[kSlots];
uint32_t g_generation = 1;
thread_local bool t_noting = false;
bool g_overflow = false;
bool g_installed = false;

size_t slot_of(const volatile void* p) {
  return (reinterpret_cast<uintptr_t>(p) >> 4) * 0x9E3779B97F4A7C15ull >> 50 & (kSlots - 1);
}

void on_malloc(const volatile void* p, size_t) {
  if (!t_noting || p == nullptr) return;
  for (size_t i = slot_of(p), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    if (g_slots[i].generation != g_generation || g_slots[i].ptr == nullptr) {
      g_slots[i] = {p, g_generation};
      return;
    }
  }
  g_overflow = true;
}

void on_free(const volatile void* p) {
  if (!t_noting || p == nullptr) return;
  for (size_t i = slot_of(p), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    if (g_slots[i].generation != g_generation) return;  // never noted (or an earlier call's)
    if (g_slots[i].ptr == p) {
      g_slots[i].ptr = nullptr;  // a tombstone: probing goes on past it
      return;
    }
  }
}

}  // namespace

bool install() {
  if (g_installed) return true;
  if (!__sanitizer_install_malloc_and_free_hooks || !__lsan_ignore_object) return false;
  g_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  return g_installed;
}

void begin_call() {
  if (!g_installed) return;
  ++g_generation;
  g_overflow = false;
  t_noting = true;
}

void end_call() { t_noting = false; }

int excuse_abandoned() {
  if (!g_installed) return 0;
  t_noting = false;
  if (g_overflow) {
    if (__lsan_disable) __lsan_disable();
    return -1;
  }
  int excused = 0;
  for (Slot& s : g_slots) {
    if (s.generation != g_generation || s.ptr == nullptr) continue;
    __lsan_ignore_object(const_cast<const void*>(s.ptr));
    s.ptr = nullptr;
    ++excused;
  }
  return excused;
}

}  // namespace mapfuzz::abandoned_memory
