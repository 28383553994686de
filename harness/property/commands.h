// rapidcheck stateful commands over the operation language: each command is
// one Op, with preconditions from the model, apply() on the model and run()
// on the library (through the executor, so the oracle is the fuzzers' one).
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <memory>
#include <vector>

#include "harness/executor.h"
#include "harness/model.h"

namespace mapfuzz::property {

// The model rapidcheck generates against.
struct State {
  Model model;
  Contract contract;
  uint64_t max_size = 256u << 10;  // keep property runs small and fast
  bool faults = false;             // generate fault operations too
};

// The system under test: the executor running the library, and the first
// finding (later commands do nothing once one is recorded).
struct Sut {
  Executor* executor = nullptr;
  Finding finding;
};

using Command = rc::state::Command<State, Sut>;

class OpCommand : public Command {
 public:
  explicit OpCommand(Op op) : op_(op) {}
  void checkPreconditions(const State& s) const override;
  void apply(State& s) const override;
  void run(const State& s, Sut& sut) const override;
  void show(std::ostream& os) const override;
  const Op& op() const { return op_; }

 private:
  Op op_;
};

// A concurrent group (Op::concurrent): two or three library calls, each on
// its own thread, raced by the executor (Executor::step_group).
class GroupCommand : public Command {
 public:
  explicit GroupCommand(std::vector<Op> ops) : ops_(std::move(ops)) {}
  void checkPreconditions(const State& s) const override;
  // The model follows the ops in program order (one of the orders the
  // executor accepts; it follows the one that really happened).
  void apply(State& s) const override;
  void run(const State& s, Sut& sut) const override;
  void show(std::ostream& os) const override;
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

using Commands = rc::state::Commands<Command>;

// A generator of one command valid in state `s`: offsets and sizes biased to
// page boundaries, the current size and its neighbours, and values near 2^64;
// for a thread-safe contract (Contract::concurrent_ops) also ops on other
// threads and concurrent groups.
rc::Gen<std::shared_ptr<const Command>> gen_command(const State& s);

// The program a command sequence stands for.
Program to_program(const Commands& commands);

}  // namespace mapfuzz::property
