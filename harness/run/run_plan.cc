#include "harness/run/run_plan.h"

#include <cstdlib>
#include <sstream>

#include "harness/op.h"
#include "harness/text_codec.h"

namespace mapfuzz::run {
namespace {

constexpr const char* kVerdictNames[] = {"clean", "swallowed", "reported", "check-failed", "crashed", "hung"};
static_assert(sizeof kVerdictNames / sizeof kVerdictNames[0] == static_cast<size_t>(Verdict::kCount));

// The op of one line of a program, parsed by the program's own grammar.
bool parse_line(const std::string& line, Op* out, std::string* error) {
  Program program;
  if (!parse_program(line + "\n", &program, error)) {
    if (error->rfind("line 1: ", 0) == 0) error->erase(0, 8);
    return false;
  }
  if (program.ops.size() != 1) {
    *error = "expected one event, got " + std::to_string(program.ops.size());
    return false;
  }
  *out = program.ops[0];
  return true;
}

}  // namespace

const char* verdict_name(Verdict v) {
  return v < Verdict::kCount ? kVerdictNames[static_cast<int>(v)] : "?";
}

bool verdict_from_name(const std::string& name, Verdict* out) {
  for (int i = 0; i < static_cast<int>(Verdict::kCount); ++i) {
    if (name == kVerdictNames[i]) {
      *out = static_cast<Verdict>(i);
      return true;
    }
  }
  return false;
}

bool destroys_data(faults::OutsideKind kind) {
  using faults::OutsideKind;
  return kind == OutsideKind::kShrink || kind == OutsideKind::kPunchHole || kind == OutsideKind::kPwrite ||
         kind == OutsideKind::kReplace || kind == OutsideKind::kUnlink;
}

std::string format_fault(const faults::FaultSpec& fault) {
  Op op;
  op.kind = OpKind::kFault;
  op.fault = fault;
  return format_op(op).substr(6);  // without "fault "
}

std::string format_event(const PlannedEvent& event) {
  Op op;
  op.kind = OpKind::kOutside;
  op.outside = event.event;
  const char* when = event.trigger == Trigger::kAfterMmap ? " after-mmap=" : " after-call=";
  return format_op(op).substr(8) + when + std::to_string(event.after);  // without "outside "
}

bool parse_fault(const std::string& text, faults::FaultSpec* out, std::string* error) {
  Op op;
  if (!parse_line("fault " + text, &op, error)) return false;
  *out = op.fault;
  return true;
}

bool parse_event(const std::string& text, PlannedEvent* out, std::string* error) {
  // after-mmap=N and after-call=N are the runner's own fields; the rest is
  // an outside op.
  std::istringstream words(text);
  std::string word, rest;
  uint32_t after = 1;
  Trigger trigger = Trigger::kAfterMmap;
  while (words >> word) {
    const bool mmap = word.rfind("after-mmap=", 0) == 0, call = word.rfind("after-call=", 0) == 0;
    if (mmap || call) {
      char* end = nullptr;
      const unsigned long n = std::strtoul(word.c_str() + 11, &end, 10);
      if (*end != '\0' || n == 0 || n > 1000000) {
        *error = "after-mmap and after-call count from 1 (the program's first mmap of, or call on, a scoped file)";
        return false;
      }
      after = static_cast<uint32_t>(n);
      trigger = mmap ? Trigger::kAfterMmap : Trigger::kAfterCall;
    } else {
      rest += (rest.empty() ? "" : " ") + word;
    }
  }
  Op op;
  if (!parse_line("outside " + rest, &op, error)) return false;
  if (faults::is_disk_condition(op.outside.kind)) {
    *error = "'" + rest + "' is not an event on the file here: use --disk-free or --size-limit for the disk";
    return false;
  }
  out->event = op.outside;
  out->trigger = trigger;
  out->after = after;
  return true;
}

}  // namespace mapfuzz::run
