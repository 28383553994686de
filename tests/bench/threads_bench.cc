// What threads cost a program: an op handed over to a worker thread
// (WorkerThreads::run, a round trip) against the same op on the caller, and
// a concurrent group of two calls that take turns (WorkerThreads::race with
// Turns, one switch point each) against the two calls one after the other.
// The jobs do no work of their own: the figures are the harness's part.
//   bench_threads [iterations]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "harness/turns.h"
#include "harness/worker_threads.h"

namespace {

using mapfuzz::Turns;
using mapfuzz::WorkerThreads;
using Clock = std::chrono::steady_clock;

volatile int g_sink = 0;
void nothing(void*) { g_sink = g_sink + 1; }

struct GroupCall {
  Turns* turns;
  size_t position;
};
void take_turns(void* arg) {  // begin, one switch point, end: as a racing library call
  auto* c = static_cast<GroupCall*>(arg);
  c->turns->begin(c->position);
  Turns::switch_point(c->turns);
  g_sink = g_sink + 1;
  c->turns->end(c->position);
}

template <typename F>
double ns_per(int n, F f) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) f();
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  WorkerThreads threads;
  threads.run(1, &nothing, nullptr);  // start the workers before timing
  threads.run(2, &nothing, nullptr);
  const double direct = ns_per(n, [&] { threads.run(0, &nothing, nullptr); });
  const double handed = ns_per(n, [&] { threads.run(1, &nothing, nullptr); });
  Turns turns;
  GroupCall a{&turns, 0}, b{&turns, 1};
  const WorkerThreads::Task tasks[] = {{1, &take_turns, &a}, {2, &take_turns, &b}};
  const int groups = n / 10 > 0 ? n / 10 : 1;
  const double raced = ns_per(groups, [&] {
    turns.reset(2);
    (void)threads.race(tasks, std::chrono::microseconds(0), std::chrono::milliseconds(10000));
  });
  const double serial = ns_per(groups, [&] {
    threads.run(1, &nothing, nullptr);
    threads.run(2, &nothing, nullptr);
  });
  std::printf("op on the caller's thread:           %9.0f ns\n", direct);
  std::printf("op handed over to a worker thread:   %9.0f ns   (%.0fx)\n", handed, handed / direct);
  std::printf("two ops handed over one by one:      %9.0f ns\n", serial);
  std::printf("the two as a concurrent group:       %9.0f ns   (%.1fx the hand-overs; start, one turn each, join)\n",
              raced, raced / serial);
  return 0;
}
