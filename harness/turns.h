// Turns for the racing calls of a concurrent group: the interleaving is the
// same on every run of the same program. The group's calls take turns in
// program order, round robin: a call runs until it has made a call that
// changes the file's size or mappings (a switch point: the fault layer's
// switch hook), then hands the turn to the next call of the group that has
// not returned, and waits for its turn to come back.
//
// A call that blocks in the library (on a lock another call of the group
// holds) cannot hand its turn on: once its thread is seen asleep outside
// its turn wait (three looks 100 us apart, in /proc), the next call goes on
// without it. The blocked call then goes on when the library lets it, and
// waits for its turn at its next switch point. No turn wait lasts longer
// than kMaxWait; after it the call goes on anyway (the interleaving is then
// no longer fixed, which a hang or a very slow library call would cause).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "harness/op.h"

namespace mapfuzz {

class Turns {
 public:
  static constexpr auto kMaxWait = std::chrono::milliseconds(200);

  // A new round for `count` calls (at most kMaxThreads); call 0 has the turn.
  void reset(size_t count);
  // On the call's own thread, before the call: waits for its first turn.
  void begin(size_t call);
  // After the call returned (or a signal ended it): the turn goes on, and
  // this call takes no more turns.
  void end(size_t call);
  // The fault layer's switch hook (faults::set_switch_hook); `self` is a
  // Turns. On a thread that is not one of the calls' (begin() was not
  // called on it), it does nothing.
  static void switch_point(void* self);

 private:
  // Under mu_: the next call after `call` that has not ended, or -1.
  int next_after(size_t call) const;
  // Waits (mu_ held through `lock`) until it is `call`'s turn, the holder is
  // blocked in the library, there is no holder, or kMaxWait has passed.
  void wait_for_turn(size_t call, std::unique_lock<std::mutex>& lock);
  // The holder's thread is asleep outside its turn wait.
  bool holder_asleep(size_t holder);

  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_ = 0;
  int turn_ = -1;
  long tid_[kMaxThreads] = {};
  bool waiting_[kMaxThreads] = {};
  bool ended_[kMaxThreads] = {};
};

}  // namespace mapfuzz
