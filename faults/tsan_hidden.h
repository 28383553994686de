// The harness's own synchronisation between the library's threads, hidden
// from ThreadSanitizer. The turns of a concurrent group and the fault
// layer's lock order the library's threads (a lock taken by one racing call
// and then by the other): ThreadSanitizer would take that order for the
// library's own and miss the library's data races. Inside a HiddenFromTsan
// scope it ignores this thread's synchronisation and memory accesses; the
// state such a scope touches must be guarded by it (a lock inside it), as
// ThreadSanitizer no longer checks it. Outside ThreadSanitizer builds a
// HiddenFromTsan is nothing.
#pragma once

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MAPFUZZ_TSAN 1
#endif
#endif

#ifdef MAPFUZZ_TSAN
extern "C" {
void AnnotateIgnoreSyncBegin(const char* file, int line);
void AnnotateIgnoreSyncEnd(const char* file, int line);
void AnnotateIgnoreReadsBegin(const char* file, int line);
void AnnotateIgnoreReadsEnd(const char* file, int line);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
}
#endif

namespace mapfuzz::faults {

class HiddenFromTsan {
 public:
#ifdef MAPFUZZ_TSAN
  HiddenFromTsan() {
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  }
  ~HiddenFromTsan() {
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
  }
#else
  HiddenFromTsan() = default;
#endif
  HiddenFromTsan(const HiddenFromTsan&) = delete;
  HiddenFromTsan& operator=(const HiddenFromTsan&) = delete;
};

}  // namespace mapfuzz::faults
