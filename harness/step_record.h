// One executed (or skipped) operation, as the oracle checks it and reports
// and replay print it.
#pragma once

#include <cstdint>

#include "harness/causes.h"
#include "harness/model.h"
#include "harness/op.h"
#include "harness/status.h"

namespace mapfuzz {

struct StepRecord {
  uint32_t index = 0;
  Op op;
  const char* skipped = nullptr;  // why the op was not sent to the library, or null
  bool mode_unavailable = false;  // skipped because a fault mode it needs is off or unavailable here
                                  // (no disk-full mode, no outside process): the run is inconclusive
  Expectation expected;           // the model's prediction
  uint64_t model_size_before = 0;
  Status status;                  // the library's answer
  uint64_t size_after = 0;        // the library's size() after the call
  uint64_t read_got = 0;          // kRead: bytes returned
  Causes causes;                  // injected faults, outside events, conditions and signals during the call
  // A step of a concurrent group that raced: its place (1-based) in the
  // serial order that explained the group's outcome; 0: it ran alone.
  uint8_t serial_position = 0;
  bool hazard = false;            // a documented hazard (SIGBUS after outside truncation or on a full disk) ended the run
};

}  // namespace mapfuzz
