// Boost.Iostreams mapped_file has no flush or sync member: a program cannot
// make its writes durable before close (munmap does not sync either). A
// documented limitation, checked at compile time here.
//
//   no_sync_api   -> 1 (no flush/sync member), 0 (one exists)
#include <boost/iostreams/device/mapped_file.hpp>
#include <cstdio>
#include <type_traits>
#include <utility>

template <class T, class = void>
struct has_flush : std::false_type {};
template <class T>
struct has_flush<T, std::void_t<decltype(std::declval<T&>().flush())>> : std::true_type {};
template <class T, class = void>
struct has_sync : std::false_type {};
template <class T>
struct has_sync<T, std::void_t<decltype(std::declval<T&>().sync())>> : std::true_type {};

int main() {
  using boost::iostreams::mapped_file;
  const bool flush = has_flush<mapped_file>::value, sync = has_sync<mapped_file>::value;
  printf("mapped_file::flush(): %s; mapped_file::sync(): %s\n", flush ? "exists" : "none",
         sync ? "exists" : "none");
  return flush || sync ? 0 : 1;
}
