#include "faults/mapping_lookup.h"

#include "faults/hook_state.h"

namespace mapfuzz::faults {

bool sandbox_mapping_at(uint64_t addr, uint64_t* file_offset, int* fd) {
  using namespace detail;
  if (!is_active() || g_ranges.load(std::memory_order_relaxed) == 0 || t_in_hook || g_tables == nullptr) {
    return false;
  }
  HookScope hook;  // a nested interposed call (none expected) must not re-take the lock
  Locked t;
  const TrackedMapping* m = t->maps.find_overlap(addr, 1);
  if (m == nullptr) return false;
  *file_offset = m->offset_of(addr);
  *fd = m->fd;
  return true;
}

}  // namespace mapfuzz::faults
