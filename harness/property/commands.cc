#include "harness/property/commands.h"

#include "faults/fault_spec.h"
#include "harness/text_codec.h"

namespace mapfuzz::property {
namespace {

rc::Gen<uint64_t> gen_size(uint64_t current, uint64_t max) {
  const uint64_t pages = max / kPageSize;
  return rc::gen::oneOf(
      rc::gen::just<uint64_t>(0),
      rc::gen::map(rc::gen::inRange<uint64_t>(1, pages + 1), [](uint64_t p) { return p * kPageSize; }),
      rc::gen::map(rc::gen::inRange<uint64_t>(1, pages), [](uint64_t p) { return p * kPageSize + 1; }),
      rc::gen::map(rc::gen::inRange<uint64_t>(1, pages + 1), [](uint64_t p) { return p * kPageSize - 1; }),
      rc::gen::inRange<uint64_t>(0, max + 1),
      rc::gen::just(current), rc::gen::just(current + 1), rc::gen::just(current ? current - 1 : 0));
}

rc::Gen<uint64_t> gen_offset(uint64_t size) {
  return rc::gen::oneOf(
      rc::gen::inRange<uint64_t>(0, size + 1),
      rc::gen::map(rc::gen::inRange<uint64_t>(0, size / kPageSize + 2), [](uint64_t p) { return p * kPageSize; }),
      rc::gen::map(rc::gen::inRange<uint64_t>(1, size / kPageSize + 2),
                   [](uint64_t p) { return p * kPageSize - 1; }),
      rc::gen::just(size), rc::gen::just(size ? size - 1 : 0), rc::gen::just(size + 1),
      rc::gen::map(rc::gen::inRange<uint64_t>(0, 8), [](uint64_t d) { return UINT64_MAX - d; }));
}

rc::Gen<uint64_t> gen_length(uint64_t size) {
  const uint64_t cap = std::min<uint64_t>(kMaxIoLength, size + 2 * kPageSize);
  return rc::gen::oneOf(rc::gen::inRange<uint64_t>(0, 64), rc::gen::inRange<uint64_t>(0, cap + 1),
                        rc::gen::just(kPageSize), rc::gen::just<uint64_t>(2));
}

rc::Gen<faults::FaultSpec> gen_fault() {
  return rc::gen::mapcat(rc::gen::inRange<int>(0, static_cast<int>(faults::Call::kCount)), [](int c) {
    const auto call = static_cast<faults::Call>(c);
    size_t n = 0;
    const int* errnos = faults::realistic_errnos(call, &n);
    return rc::gen::map(
        rc::gen::tuple(rc::gen::elementOf(std::vector<int>(errnos, errnos + n)), rc::gen::inRange<int>(1, 4),
                       rc::gen::arbitrary<bool>()),
        [call](const std::tuple<int, int, bool>& t) {
          return faults::FaultSpec{call, static_cast<uint16_t>(std::get<1>(t)), std::get<0>(t), std::get<2>(t)};
        });
  });
}

std::shared_ptr<const Command> make(Op op) { return std::make_shared<const OpCommand>(op); }

}  // namespace

void OpCommand::checkPreconditions(const State& s) const {
  RC_PRE(s.model.applicable(op_));
  RC_PRE(s.model.expect(op_, s.contract).size_after <= s.max_size);
}

void OpCommand::apply(State& s) const {
  // The model as if no fault fires; the executor follows the exact outcome.
  s.model.follow(op_, Outcome::predicted(s.model.expect(op_, s.contract)), s.contract);
}

void OpCommand::run(const State&, Sut& sut) const {
  if (!sut.finding) sut.finding = sut.executor->step(op_);
}

void OpCommand::show(std::ostream& os) const { os << format_op(op_); }

void GroupCommand::checkPreconditions(const State& s) const {
  mapfuzz::Model m = s.model;
  for (const Op& op : ops_) {
    RC_PRE(m.applicable(op));
    const Expectation e = m.expect(op, s.contract);
    RC_PRE(e.size_after <= s.max_size);
    m.follow(op, Outcome::predicted(e), s.contract);
  }
}

void GroupCommand::apply(State& s) const {
  for (const Op& op : ops_) s.model.follow(op, Outcome::predicted(s.model.expect(op, s.contract)), s.contract);
}

void GroupCommand::run(const State&, Sut& sut) const {
  if (!sut.finding) sut.finding = sut.executor->step_group(ops_);
}

void GroupCommand::show(std::ostream& os) const {
  for (size_t i = 0; i < ops_.size(); ++i) os << (i ? " | " : "") << format_op(ops_[i]);
}

namespace {

using G = rc::Gen<std::shared_ptr<const Command>>;
using Choices = std::vector<std::pair<std::size_t, G>>;

// Opening: create (any size) or open the existing file.
void add_open_choices(const State& s, uint64_t size, Choices* choices) {
  choices->push_back({4, rc::gen::map(gen_size(size, s.max_size), [](uint64_t n) {
                        return make(Op{.kind = OpKind::kOpen, .create = true, .size = n});
                      })});
  if (s.model.exists()) choices->push_back({3, rc::gen::just(make(Op{.kind = OpKind::kOpen}))});
}

// On an open file: write, read, resize, sync, close, reopen.
void add_io_choices(uint64_t size, uint64_t max, Choices* choices) {
  choices->push_back({6, rc::gen::map(rc::gen::tuple(gen_offset(size), gen_length(size), rc::gen::arbitrary<uint8_t>()),
                                      [](const std::tuple<uint64_t, uint64_t, uint8_t>& t) {
                                        return make(Op{.kind = OpKind::kWrite, .offset = std::get<0>(t),
                                                       .length = std::get<1>(t), .seed = std::get<2>(t)});
                                      })});
  choices->push_back({4, rc::gen::map(rc::gen::tuple(gen_offset(size), gen_length(size)),
                                      [](const std::tuple<uint64_t, uint64_t>& t) {
                                        return make(Op{.kind = OpKind::kRead, .offset = std::get<0>(t),
                                                       .length = std::get<1>(t)});
                                      })});
  choices->push_back({3, rc::gen::map(gen_size(size, max), [](uint64_t n) {
                        return make(Op{.kind = OpKind::kResize, .size = n});
                      })});
  choices->push_back({2, rc::gen::oneOf(rc::gen::just(make(Op{.kind = OpKind::kSync})),
                                        rc::gen::map(rc::gen::tuple(gen_offset(size), gen_length(size)),
                                                     [size](const std::tuple<uint64_t, uint64_t>& t) {
                                                       return make(Op{.kind = OpKind::kSync,
                                                                      .offset = std::get<0>(t) % (size + 1),
                                                                      .length = std::get<1>(t)});
                                                     }))});
  choices->push_back({1, rc::gen::just(make(Op{.kind = OpKind::kClose}))});
  choices->push_back({1, rc::gen::just(make(Op{.kind = OpKind::kReopen}))});
}

// One call a thread-safe library may race with others: write, read, resize
// or sync.
rc::Gen<Op> gen_racing_op(uint64_t size, uint64_t max) {
  return rc::gen::mapcat(rc::gen::inRange<int>(0, 9), [size, max](int k) -> rc::Gen<Op> {
    if (k < 3) {
      return rc::gen::map(rc::gen::tuple(gen_offset(size), gen_length(size), rc::gen::arbitrary<uint8_t>()),
                          [](const std::tuple<uint64_t, uint64_t, uint8_t>& t) {
                            return Op{.kind = OpKind::kWrite, .offset = std::get<0>(t), .length = std::get<1>(t),
                                      .seed = std::get<2>(t)};
                          });
    }
    if (k < 6) {
      return rc::gen::map(rc::gen::tuple(gen_offset(size), gen_length(size)),
                          [](const std::tuple<uint64_t, uint64_t>& t) {
                            return Op{.kind = OpKind::kRead, .offset = std::get<0>(t), .length = std::get<1>(t)};
                          });
    }
    if (k < 8) return rc::gen::map(gen_size(size, max), [](uint64_t n) { return Op{.kind = OpKind::kResize, .size = n}; });
    return rc::gen::just(Op{.kind = OpKind::kSync});
  });
}

// Two or three racing calls, on distinct threads in a random arrangement.
G gen_group(uint64_t size, uint64_t max) {
  return rc::gen::map(rc::gen::tuple(rc::gen::inRange<int>(2, kMaxThreads + 1), gen_racing_op(size, max),
                                     gen_racing_op(size, max), gen_racing_op(size, max), rc::gen::inRange<int>(0, 6)),
                      [](const std::tuple<int, Op, Op, Op, int>& t) {
                        static constexpr uint8_t kArrangements[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                                                        {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
                        std::vector<Op> ops{std::get<1>(t), std::get<2>(t), std::get<3>(t)};
                        ops.resize(static_cast<size_t>(std::get<0>(t)));
                        for (size_t i = 0; i < ops.size(); ++i) {
                          ops[i].thread = kArrangements[std::get<4>(t)][i];
                          ops[i].concurrent = i > 0;
                        }
                        return std::shared_ptr<const Command>(std::make_shared<const GroupCommand>(std::move(ops)));
                      });
}

// Another process shrinks, regrows, punches or writes the file.
G gen_outside_event(uint64_t size, uint64_t max) {
  return rc::gen::map(rc::gen::tuple(rc::gen::inRange<int>(0, 5), gen_size(size, max), rc::gen::arbitrary<bool>()),
                      [](const std::tuple<int, uint64_t, bool>& t) {
                        static constexpr faults::OutsideKind kinds[] = {
                            faults::OutsideKind::kShrink, faults::OutsideKind::kRegrow, faults::OutsideKind::kExtend,
                            faults::OutsideKind::kPunchHole, faults::OutsideKind::kPwrite};
                        Op op{.kind = OpKind::kOutside};
                        op.outside.kind = kinds[std::get<0>(t)];
                        op.outside.length = std::get<1>(t) % (kMaxIoLength + 1);
                        op.outside.offset = op.outside.kind == faults::OutsideKind::kPunchHole ||
                                                    op.outside.kind == faults::OutsideKind::kPwrite
                                                ? std::get<1>(t) / 2
                                                : 0;
                        op.after_mmap = std::get<2>(t);
                        return make(op);
                      });
}

// Another process takes a lock (most often on the range the library's
// contract says it locks, so that the two meet) or lets go of one.
G gen_lock_event(const LockScope& scope) {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::inRange<int>(0, 4), rc::gen::inRange<int>(0, 3), rc::gen::arbitrary<bool>(),
                     rc::gen::inRange<int>(0, 3), rc::gen::inRange<uint64_t>(0, 3)),
      [scope](const std::tuple<int, int, bool, int, uint64_t>& t) {
        Op op{.kind = OpKind::kOutside};
        faults::OutsideEvent& e = op.outside;
        e.kind = std::get<0>(t) == 0 ? faults::OutsideKind::kUnlock : faults::OutsideKind::kLock;
        const int api = std::get<1>(t);
        e.lock_api = api == 0 ? scope.api : static_cast<faults::LockApi>(api - 1);
        e.lock_mode = std::get<2>(t) ? faults::LockMode::kExclusive : faults::LockMode::kShared;
        e.file = scope.file;
        switch (std::get<3>(t)) {
          case 0: e.offset = scope.offset, e.length = scope.length; break;        // the library's range
          case 1: e.offset = std::get<4>(t) * kPageSize, e.length = 1; break;  // one byte of it, or not
          default: e.offset = 0, e.length = 0; break;                           // the whole file
        }
        return make(op);
      });
}

// The disk fills up (a few pages left), or a file size limit comes in.
G gen_disk_condition(uint64_t size) {
  return rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<bool>(), rc::gen::inRange<uint64_t>(0, 5)),
                      [size](const std::tuple<bool, uint64_t>& t) {
                        Op op{.kind = OpKind::kOutside};
                        const bool full = std::get<0>(t);
                        op.outside.kind = full ? faults::OutsideKind::kDiskFull : faults::OutsideKind::kSizeLimit;
                        op.outside.length = (full ? 0 : size) + std::get<1>(t) * kPageSize;
                        return make(op);
                      });
}

}  // namespace

rc::Gen<std::shared_ptr<const Command>> gen_command(const State& s) {
  const uint64_t size = s.model.size();
  Choices choices;
  if (!s.model.is_open()) {
    add_open_choices(s, size, &choices);
  } else {
    add_io_choices(size, s.max_size, &choices);
    if (s.contract.concurrent_ops != 0) choices.push_back({4, gen_group(size, s.max_size)});
  }
  if (s.faults) {
    choices.push_back({2, rc::gen::map(gen_fault(), [](faults::FaultSpec f) {
                         return make(Op{.kind = OpKind::kFault, .fault = f});
                       })});
    choices.push_back({1, gen_outside_event(size, s.max_size)});
    choices.push_back({1, gen_disk_condition(size)});
    // Lock events where the contract promises locks (the oracle has something
    // to hold the library to); the fuzzers' decoder and dictionary reach every
    // target with them.
    if (s.contract.locks.promise != LockPromise::kNone) choices.push_back({1, gen_lock_event(s.contract.locks)});
  }
  // rapidcheck's weightedOneOf takes only an initializer list: pick an index
  // with the weights, then its generator.
  std::vector<size_t> weighted;
  for (size_t i = 0; i < choices.size(); ++i) weighted.insert(weighted.end(), choices[i].first, i);
  G one = rc::gen::mapcat(rc::gen::elementOf(weighted), [choices](size_t i) { return choices[i].second; });
  if (s.contract.concurrent_ops == 0) return one;
  // A thread-safe library may be called from any thread: single ops too.
  return rc::gen::map(rc::gen::tuple(one, rc::gen::inRange<int>(0, 2 * kMaxThreads)),
                      [](const std::tuple<std::shared_ptr<const Command>, int>& t) {
                        const auto* single = dynamic_cast<const OpCommand*>(std::get<0>(t).get());
                        const int thread = std::get<1>(t);
                        if (!single || thread >= kMaxThreads) return std::get<0>(t);
                        Op op = single->op();
                        op.thread = static_cast<uint8_t>(thread);
                        return make(op);
                      });
}

Program to_program(const Commands& commands) {
  Program p;
  for (const auto& c : commands) {
    if (const auto* group = dynamic_cast<const GroupCommand*>(c.get())) {
      p.ops.insert(p.ops.end(), group->ops().begin(), group->ops().end());
    } else {
      p.ops.push_back(static_cast<const OpCommand&>(*c).op());
    }
  }
  return p;
}

}  // namespace mapfuzz::property
