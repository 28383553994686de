#include "faults/privileges.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace mapfuzz::faults {
namespace {

constexpr uint32_t kDacBits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);  // both in word 0

struct Caps {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};  // pid 0: the calling thread
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
};

bool get(Caps* caps) { return ::syscall(SYS_capget, &caps->header, caps->data) == 0; }
bool set(Caps* caps) { return ::syscall(SYS_capset, &caps->header, caps->data) == 0; }

}  // namespace

DroppedPrivileges::DroppedPrivileges() {
  Caps caps;
  if (!get(&caps)) {
    status_ = Status::from_unfaulted_errno("capget");
    return;
  }
  static_assert(sizeof caps.data == sizeof saved_);
  std::memcpy(saved_, caps.data, sizeof saved_);
  if ((caps.data[0].effective & kDacBits) == 0) return;
  caps.data[0].effective &= ~kDacBits;
  if (!set(&caps)) {
    status_ = Status::from_unfaulted_errno("capset");
    return;
  }
  dropped_ = true;
}

DroppedPrivileges::~DroppedPrivileges() {
  if (!dropped_) return;
  Caps caps;
  std::memcpy(caps.data, saved_, sizeof saved_);
  set(&caps);
}

bool overrides_permissions() {
  Caps caps;
  return get(&caps) && (caps.data[0].effective & (1u << CAP_DAC_OVERRIDE)) != 0;
}

}  // namespace mapfuzz::faults
