// The one table of what errors and signals mean for memory-mapped files
// (sources: the Linux man pages open(2), close(2), ftruncate(2),
// fallocate(2), posix_fallocate(3), mmap(2), munmap(2), mremap(2),
// msync(2), madvise(2), fsync(2), write(2), fcntl(2), flock(2), lockf(3),
// sigaction(2), and the kernel where they lag it), its lookups and its
// Markdown form. Texts: one line, no trailing period, no '|'.
#include "harness/explanations.h"

#include "harness/causes.h"

#include <signal.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>

#include "harness/status.h"

namespace mapfuzz::explain {
namespace {

// A (call, errno) pair; errno 0: the call's fallback; call null: the
// errno's generic meaning, for calls the pairs do not list.
struct ErrorText {
  const char* call;
  int error;
  const char* meaning;
};

constexpr ErrorText kErrors[] = {
    {"open", EACCES, "the file's mode or a directory on its path denies the access asked for (a mode changed to read-only, say)"},
    {"open", EPERM, "refused by a file seal, an immutable or append-only file (write or O_TRUNC), O_NOATIME by a non-owner, or a security module"},
    {"open", ENOSPC, "O_CREAT found no room for the new file (no free blocks or inodes)"},
    {"open", EDQUOT, "O_CREAT with the user's block or inode quota exhausted"},
    {"open", EMFILE, "the process has RLIMIT_NOFILE descriptors open: an fd leak elsewhere, or a low limit"},
    {"open", ENFILE, "the system-wide limit on open files (fs.file-max) was reached"},
    {"open", EINTR, "a signal arrived while the open blocked (a FIFO, or a slow FUSE or NFS filesystem)"},
    {"open", ENOENT, "the file does not exist and O_CREAT was not given, or a directory on the path is missing"},
    {"open", EEXIST, "O_CREAT with O_EXCL and the file already exists"},
    {"open", EROFS, "write access asked for on a read-only filesystem"},
    {"open", ETXTBSY, "write access asked for on an executable that is running (or a swap file)"},
    {"open", EISDIR, "the path is a directory and write access was asked for"},
    {"open", EOVERFLOW, "the file is too large for a 32-bit off_t (opened without O_LARGEFILE)"},
    {"open", EFBIG, "the file is too large for a 32-bit off_t (opened without O_LARGEFILE)"},
    {"open", ENOMEM, "the kernel had no memory for the open file's structures"},
    {"open", EINVAL, "bad flags (O_TMPFILE without write access, O_DIRECT on a filesystem without it)"},
    {"open", 0, "the file was not opened and no fd was made"},

    {"close", EIO, "a delayed write failed and was reported at close (NFS, FUSE); the fd is released anyway"},
    {"close", EINTR, "a signal arrived while close flushed; on Linux the fd is released, so a retry may close another thread's fd"},
    {"close", EBADF, "the fd is not open: a double close, or an fd closed elsewhere"},
    {"close", ENOSPC, "a delayed write (NFS) found no space and was reported at close; the fd is released"},
    {"close", EDQUOT, "a delayed write (NFS) exceeded the quota and was reported at close; the fd is released"},
    {"close", 0, "on Linux the fd is released even so: never close it again"},

    {"ftruncate", EFBIG, "the length is beyond RLIMIT_FSIZE (SIGXFSZ is sent too) or the filesystem's maximum file size"},
    {"ftruncate", EIO, "an I/O error while updating the inode: the size may or may not have changed"},
    {"ftruncate", EINTR, "a signal arrived while the call blocked; the size is unchanged"},
    {"ftruncate", EPERM, "the file is append-only or immutable, or a seal (F_SEAL_SHRINK, F_SEAL_GROW) forbids the change"},
    {"ftruncate", EINVAL, "the fd is not open for writing or not a regular file, or the length is negative"},
    {"ftruncate", EBADF, "the fd is not open (or not open for writing)"},
    {"ftruncate", EACCES, "truncate by path: no write permission on the file (its mode changed) or no search permission on a directory"},
    {"ftruncate", EROFS, "the file is on a read-only filesystem"},
    {"ftruncate", ETXTBSY, "the file is an executable that is running"},
    {"ftruncate", ENOSPC, "the filesystem needed blocks to record the new size and had none (rare: growth is sparse)"},
    {"ftruncate", 0, "the file's size was not changed (after EIO it may have been)"},

    {"fallocate", ENOSPC, "the filesystem has no room for the blocks; blocks allocated before the failure may remain"},
    {"fallocate", EDQUOT, "the user's disk quota has no room for the blocks"},
    {"fallocate", EFBIG, "offset + len is beyond RLIMIT_FSIZE or the filesystem's maximum file size"},
    {"fallocate", EIO, "an I/O error while allocating"},
    {"fallocate", EINTR, "a signal arrived during the allocation; part of the range may be allocated"},
    {"fallocate", EINVAL, "offset < 0 or len <= 0 (posix_fallocate: or a filesystem that cannot preallocate)"},
    {"fallocate", EOPNOTSUPP, "the filesystem cannot preallocate (posix_fallocate then writes zeros instead)"},
    {"fallocate", EBADF, "the fd is not open for writing"},
    {"fallocate", ENODEV, "the fd is not a regular file or directory"},
    {"fallocate", ESPIPE, "the fd is a pipe or FIFO"},
    {"fallocate", EPERM, "the file is immutable or append-only, or a seal (F_SEAL_GROW, F_SEAL_WRITE) forbids it"},
    {"fallocate", ETXTBSY, "the file is an executable that is running"},
    {"fallocate", 0, "the range was not (fully) allocated"},

    {"mmap", ENOMEM, "no room in the address space, vm.max_map_count mappings reached, or RLIMIT_AS or RLIMIT_DATA exceeded"},
    {"mmap", EACCES, "the fd is not open for reading, or a MAP_SHARED PROT_WRITE mapping of a file not opened O_RDWR (read-only or append-only)"},
    {"mmap", EPERM, "a seal (F_SEAL_WRITE) forbids a shared writable mapping, PROT_EXEC on a noexec mount, or MAP_HUGETLB without privilege"},
    {"mmap", EAGAIN, "the file is locked, or too much memory is locked (MAP_LOCKED beyond RLIMIT_MEMLOCK)"},
    {"mmap", ENFILE, "the system-wide limit on open files was reached"},
    {"mmap", ENODEV, "the file's filesystem does not support memory mapping"},
    {"mmap", EINVAL, "addr, length or offset is not page-aligned, length is 0, or neither MAP_SHARED nor MAP_PRIVATE was given"},
    {"mmap", EBADF, "the fd is not open (and MAP_ANONYMOUS was not given)"},
    {"mmap", EOVERFLOW, "on 32-bit, offset plus length in pages overflows"},
    {"mmap", ETXTBSY, "MAP_DENYWRITE on a file open for writing"},
    {"mmap", EEXIST, "MAP_FIXED_NOREPLACE and the range overlaps an existing mapping"},
    {"mmap", 0, "no mapping was made: the call returned MAP_FAILED, not NULL"},

    {"munmap", ENOMEM, "unmapping part of a mapping would split it beyond vm.max_map_count"},
    {"munmap", EINVAL, "addr is not page-aligned, length is 0, or the range is outside the address space (a MAP_FAILED or stale pointer)"},
    {"munmap", 0, "the range is still mapped"},

    {"mremap", ENOMEM, "the mapping cannot grow in place and MREMAP_MAYMOVE was not given, or no address space or map count is left; the old mapping is unchanged"},
    {"mremap", EAGAIN, "the mapping is locked (mlock) and growing it would exceed RLIMIT_MEMLOCK"},
    {"mremap", EFAULT, "part of the old range is not mapped"},
    {"mremap", EINVAL, "old_address is not page-aligned, new_size is 0, or bad flags (MREMAP_FIXED without MREMAP_MAYMOVE)"},
    {"mremap", 0, "the old mapping is unchanged, at the same address"},

    {"msync", EIO, "writeback of the range failed (an I/O error, or a disk or quota found full at writeback): the pages may not be on disk"},
    {"msync", ENOMEM, "part of the range is not mapped (a stale address or length after a resize)"},
    {"msync", EINVAL, "the address is not a multiple of the page size (or bad flags: MS_SYNC with MS_ASYNC)"},
    {"msync", EBUSY, "MS_INVALIDATE on a range with locked pages"},
    {"msync", ENOSPC, "writeback found no room for a hole's blocks (a full disk)"},
    {"msync", 0, "the range's dirty pages are not known to be on disk"},

    {"madvise", EAGAIN, "a kernel resource was temporarily unavailable"},
    {"madvise", ENOMEM, "part of the range is not mapped, or MADV_WILLNEED ran out of memory"},
    {"madvise", EIO, "MADV_WILLNEED: paging the range in would exceed the process's RSS limit"},
    {"madvise", EINVAL, "addr is not page-aligned, an unknown advice, or advice the range cannot take (MADV_DONTNEED on locked pages)"},
    {"madvise", EACCES, "MADV_REMOVE on a mapping that is not shared and writable"},
    {"madvise", EBADF, "the range is mapped but not from a file, and the advice needs one"},
    {"madvise", EPERM, "MADV_HWPOISON without CAP_SYS_ADMIN"},
    {"madvise", 0, "the advice was not applied (the data is unchanged)"},

    {"fsync", EIO, "writeback failed, now or since the last fsync by any fd of the file: data may be lost, and a retry may wrongly succeed"},
    {"fsync", ENOSPC, "writeback found no room on the disk for dirty data"},
    {"fsync", EDQUOT, "writeback exceeded the user's disk quota"},
    {"fsync", EINTR, "a signal arrived during the sync"},
    {"fsync", EBADF, "the fd is not open"},
    {"fsync", EROFS, "the fd is a special file that does not support syncing"},
    {"fsync", EINVAL, "the fd is a special file that does not support syncing"},
    {"fsync", 0, "the file's data is not known to be on disk"},

    {"write", ENOSPC, "no room on the disk for the data; part may have been written"},
    {"write", EDQUOT, "the user's disk quota is exhausted"},
    {"write", EFBIG, "the write would go beyond RLIMIT_FSIZE (SIGXFSZ is sent too) or the filesystem's maximum file size"},
    {"write", EIO, "a low-level I/O error, or an earlier writeback error reported now"},
    {"write", EINTR, "a signal arrived before any data was written"},
    {"write", EAGAIN, "the fd is non-blocking and the write would block"},
    {"write", EBADF, "the fd is not open for writing"},
    {"write", EINVAL, "the fd cannot be written, or O_DIRECT with a misaligned buffer, offset or length"},
    {"write", EPERM, "a seal (F_SEAL_WRITE, F_SEAL_GROW) forbids the write"},
    {"write", EFAULT, "the buffer is outside the address space (a stale mapped pointer as the source)"},
    {"write", 0, "the data was not (all) written"},

    {"fcntl", EAGAIN, "F_SETLK or F_OFD_SETLK: another process (another open file, for OFD locks) holds a conflicting lock"},
    {"fcntl", EACCES, "F_SETLK: another process holds a conflicting lock (POSIX allows EACCES or EAGAIN)"},
    {"fcntl", EDEADLK, "F_SETLKW: waiting would deadlock with a process that waits for a lock this one holds"},
    {"fcntl", EINTR, "F_SETLKW or F_OFD_SETLKW: a signal arrived while waiting for the lock"},
    {"fcntl", ENOLCK, "the lock table is full, or a remote (NFS) lock request failed"},
    {"fcntl", EBADF, "the fd is not open, or not open for reading (F_RDLCK) or writing (F_WRLCK)"},
    {"fcntl", EINVAL, "a bad command, lock type or whence, or an OFD lock with l_pid not 0"},
    {"fcntl", EOVERFLOW, "F_GETLK: the lock's offsets do not fit in struct flock"},
    {"fcntl", EPERM, "F_ADD_SEALS on a file sealed with F_SEAL_SEAL"},
    {"fcntl", EBUSY, "F_ADD_SEALS with F_SEAL_WRITE while a shared writable mapping exists"},
    {"fcntl", 0, "the lock or seal was not changed"},

    {"flock", EAGAIN, "LOCK_NB and another open file holds a conflicting lock"},
    {"flock", EINTR, "a signal arrived while waiting for the lock"},
    {"flock", ENOLCK, "the kernel ran out of memory for lock records"},
    {"flock", EBADF, "the fd is not open"},
    {"flock", EINVAL, "a bad operation (none of LOCK_SH, LOCK_EX, LOCK_UN)"},
    {"flock", 0, "the lock was not changed"},

    {"lockf", EAGAIN, "F_TLOCK or F_TEST: another process holds a lock on the section"},
    {"lockf", EACCES, "F_TLOCK or F_TEST: another process holds a lock on the section (EACCES and EAGAIN are both allowed)"},
    {"lockf", EDEADLK, "F_LOCK: waiting would deadlock"},
    {"lockf", EINTR, "F_LOCK: a signal arrived while waiting"},
    {"lockf", ENOLCK, "too many locks are open, or the lock table is full"},
    {"lockf", EBADF, "the fd is not open, or not open for writing (F_LOCK, F_TLOCK)"},
    {"lockf", EINVAL, "a bad cmd"},
    {"lockf", 0, "the lock was not changed"},

    // "lock" is the fault layer's one Call for all of them (fault call=lock).
    {"lock", EAGAIN, "another process (or open file, for OFD and flock locks) holds a conflicting lock and the request did not wait; nothing was locked"},
    {"lock", EACCES, "another process holds a conflicting lock (fcntl F_SETLK and lockf may say EACCES instead of EAGAIN); nothing was locked"},
    {"lock", EINTR, "a signal arrived while a blocking request (F_SETLKW, flock without LOCK_NB, lockf F_LOCK) waited; the lock was not taken"},
    {"lock", ENOLCK, "the kernel's lock table is exhausted, or NFS's lock manager failed: the lock was not taken, and retrying may not help"},
    {"lock", EDEADLK, "waiting would deadlock with a process that waits for a lock this one holds (mapfuzz also says so for a wait that would hang)"},
    {"lock", 0, "the lock was not taken or changed: the file is not protected from other processes"},

    {nullptr, EACCES, "permission denied by the file's mode or the fd's open flags"},
    {nullptr, EAGAIN, "a resource is temporarily unavailable, or another holder (of a lock) is in the way"},
    {nullptr, EBADF, "the fd is not open, or not open for this access"},
    {nullptr, EBUSY, "the resource is in use"},
    {nullptr, EDEADLK, "waiting would deadlock"},
    {nullptr, EDQUOT, "the user's disk quota is exhausted"},
    {nullptr, EEXIST, "it already exists"},
    {nullptr, EFAULT, "a bad address: a pointer outside any mapping (mapfuzz also reports a SIGBUS or SIGSEGV so)"},
    {nullptr, EFBIG, "beyond RLIMIT_FSIZE or the filesystem's maximum file size"},
    {nullptr, EINTR, "a signal interrupted the call: retry it"},
    {nullptr, EINVAL, "an invalid argument: a misaligned address, a zero or negative length, or bad flags"},
    {nullptr, EIO, "an I/O error: the data may not be on disk"},
    {nullptr, EMFILE, "the process's open-file limit (RLIMIT_NOFILE) was reached"},
    {nullptr, ENFILE, "the system's open-file limit was reached"},
    {nullptr, ENODEV, "the file or its filesystem does not support the operation (memory mapping, say)"},
    {nullptr, ENOENT, "no such file or directory"},
    {nullptr, ENOLCK, "no locks available"},
    {nullptr, ENOMEM, "out of memory or address space, or a range that is not mapped"},
    {nullptr, ENOSPC, "no space left on the device"},
    {nullptr, ENOSYS, "the kernel does not support the call"},
    {nullptr, EOPNOTSUPP, "the filesystem does not support the operation"},
    {nullptr, EOVERFLOW, "a value does not fit its type (a file offset, say)"},
    {nullptr, EPERM, "not permitted: a seal, an immutable or append-only file, a noexec mount, or missing privilege"},
    {nullptr, EROFS, "the filesystem is read-only"},
    {nullptr, ESPIPE, "the fd is a pipe, FIFO or socket"},
    {nullptr, ETXTBSY, "the file is an executable that is running"},
    {nullptr, ESTALE, "a stale NFS file handle: the file was removed on the server"},
};

// A signal and si_code; code kAnyCode: the signal's fallback.
struct SignalText {
  int signo;
  int code;
  const char* code_name;
  const char* meaning;
};
constexpr int kAnyCode = INT_MIN;

constexpr SignalText kSignals[] = {
    {SIGBUS, BUS_ADRERR, "BUS_ADRERR", "the page is beyond the file's end (the file shrank under the mapping, or was never grown to it), or a hole the filesystem could not allocate (full disk or quota)"},
    {SIGBUS, BUS_OBJERR, "BUS_OBJERR", "an object-specific hardware error; a file mapping's page fault raises BUS_ADRERR on Linux, so suspect the device"},
    {SIGBUS, BUS_ADRALN, "BUS_ADRALN", "a misaligned access on a platform that requires alignment"},
    {SIGBUS, BUS_MCEERR_AR, "BUS_MCEERR_AR", "a hardware memory error in the page just accessed (poisoned memory)"},
    {SIGBUS, BUS_MCEERR_AO, "BUS_MCEERR_AO", "a hardware memory error found in the process's memory, not yet accessed"},
    {SIGBUS, kAnyCode, "BUS_?", "a bus error: an access the mapping's backing object cannot satisfy"},
    {SIGSEGV, SEGV_MAPERR, "SEGV_MAPERR", "the address is not mapped: a stale pointer after munmap or a moving mremap, a pointer past the mapping's end, or NULL or MAP_FAILED"},
    {SIGSEGV, SEGV_ACCERR, "SEGV_ACCERR", "the address is mapped but the access is not allowed: a write to a read-only (PROT_READ) mapping"},
    {SIGSEGV, SI_KERNEL, "SI_KERNEL", "a general-protection fault: on x86-64 a non-canonical address, such as an offset that wrapped around"},
    {SIGSEGV, kAnyCode, "SEGV_?", "an invalid memory access"},
    {SIGABRT, kAnyCode, "?", "abort(): an assertion failed, an exception was not caught, or a sanitizer stopped the program"},
    {SIGFPE, kAnyCode, "?", "an arithmetic fault (a division by zero: a page or record size of 0, say)"},
    {SIGILL, kAnyCode, "?", "an illegal instruction (a trap the compiler placed, or a jump through a corrupt pointer)"},
};

constexpr const char* kSentBySomeone = "sent by a process (kill, raise, abort), not raised by a memory access";

// Index: FindingKind.
constexpr const char* kCorrectLibrary[] = {
    "",
    "A correct library succeeds here: it checks each call's result (MAP_FAILED, not NULL) and passes only valid arguments (page-aligned addresses, lengths > 0).",
    "A correct library refuses it: it checks offset + length against its current size, without overflow, before it touches the mapping.",
    "A correct library updates its size and its mapping's length after every resize that succeeds, and reports the file's real size.",
    "A correct library returns the bytes last written: it remaps after the file grows and zero-fills what a shrink cut off before it grows again.",
    "A correct library writes through a mapping that covers the current file and leaves on disk exactly what it acknowledged.",
    "A correct library releases the fd and the mapping on every path, error paths included (close after a failed mmap, munmap before close).",
    "A correct library msyncs (MS_SYNC) every dirty page, the range rounded out to page boundaries, or fsyncs, and fails the sync if that call fails.",
    "A correct library propagates every failed call's errno to its caller and never reports success after a failed call.",
    "A correct library leaves the file and the mapping as they were when a call fails: it grows the mapping first or ftruncates back on failure, and never closes the file on an error.",
    "A correct library never touches a page beyond the file's end: it allocates the file's blocks before it writes through a mapping, remaps after every size change, and never uses a pointer after munmap.",
    "A correct library that promises to lock takes its lock with a non-blocking or blocking lock call before it changes the file, checks the call's result, and fails (changing nothing) or waits when another process holds a conflicting lock.",
    "A correct library never waits for a lock it holds itself (through another fd of the same file, or a second flock on another open file description), and waits for another process only if its contract says it does.",
    "A correct library that claims to be thread-safe orders every access to shared state (its size, its mapping's address and length) with a lock or atomics, and never lets one thread read what another is changing.",
};
static_assert(std::size(kCorrectLibrary) == static_cast<size_t>(FindingKind::kCount), "one text per finding kind");

struct Alias {
  const char* name;
  const char* call;
};

constexpr Alias kAliases[] = {
    {"open64", "open"},           {"openat", "open"},           {"openat64", "open"},
    {"__open_2", "open"},         {"__open64_2", "open"},       {"creat", "open"},
    {"ftruncate64", "ftruncate"}, {"truncate", "ftruncate"},    {"truncate64", "ftruncate"},
    {"fallocate64", "fallocate"}, {"posix_fallocate", "fallocate"}, {"posix_fallocate64", "fallocate"},
    {"mmap64", "mmap"},           {"fdatasync", "fsync"},       {"pwrite", "write"},
    {"pwrite64", "write"},        {"writev", "write"},          {"pwritev", "write"},
    {"pwritev64", "write"},       {"pwritev2", "write"},        {"pwritev64v2", "write"},
    {"F_SETLK", "fcntl"},         {"F_SETLKW", "fcntl"},        {"F_OFD_SETLK", "fcntl"},
    {"F_OFD_SETLKW", "fcntl"},    {"F_GETLK", "fcntl"},         {"F_ADD_SEALS", "fcntl"},
    {"F_OFD_GETLK", "fcntl"},     {"lockf64", "lockf"},         {"fcntl64", "fcntl"},
};

const ErrorText* find_error(const char* call, int error) {
  for (const ErrorText& e : kErrors) {
    const bool same_call = call ? e.call && std::strcmp(e.call, call) == 0 : e.call == nullptr;
    if (same_call && e.error == error) return &e;
  }
  return nullptr;
}

}  // namespace

const char* canonical_call(const char* name) {
  if (!name) return nullptr;
  for (const ErrorText& e : kErrors) {
    if (e.call && std::strcmp(e.call, name) == 0) return e.call;
  }
  for (const Alias& a : kAliases) {
    if (std::strcmp(a.name, name) == 0) return a.call;
  }
  return nullptr;
}

ErrorMeaning error_meaning(const char* call, int error) {
  const char* known = canonical_call(call);
  if (known && error > 0) {
    if (const ErrorText* e = find_error(known, error)) return {e->meaning, Match::kExact};
  }
  const ErrorText* generic = error > 0 ? find_error(nullptr, error) : nullptr;
  const ErrorText* fallback = known ? find_error(known, 0) : nullptr;
  if (generic && fallback) return {std::string(generic->meaning) + "; " + fallback->meaning, Match::kFallback};
  if (generic) return {generic->meaning, Match::kFallback};
  if (fallback) return {fallback->meaning, Match::kFallback};
  return {std::string("error ") + errno_name(error) + ", which the table does not describe", Match::kUnknown};
}

const char* signal_meaning(int signo, int code) {
  if (code <= 0) return kSentBySomeone;
  const SignalText* fallback = nullptr;
  for (const SignalText& s : kSignals) {
    if (s.signo != signo) continue;
    if (s.code == code) return s.meaning;
    if (s.code == kAnyCode) fallback = &s;
  }
  return fallback ? fallback->meaning : "a signal that does not come from a memory access";
}

const char* signal_name(int signo) { return signal_token(signo); }

const char* signal_code_name(int signo, int code) {
  switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    default: break;
  }
  if (code <= 0) return "SI_?";
  const SignalText* fallback = nullptr;
  for (const SignalText& s : kSignals) {
    if (s.signo != signo) continue;
    if (s.code == code) return s.code_name;
    if (s.code == kAnyCode) fallback = &s;
  }
  return fallback ? fallback->code_name : "?";
}

const char* correct_library(FindingKind kind) {
  const auto i = static_cast<size_t>(kind);
  return i < std::size(kCorrectLibrary) ? kCorrectLibrary[i] : "";
}

std::vector<const char*> described_calls() {
  std::vector<const char*> calls;
  for (const ErrorText& e : kErrors) {
    if (e.call && (calls.empty() || std::strcmp(calls.back(), e.call) != 0)) calls.push_back(e.call);
  }
  return calls;
}

std::vector<int> described_errnos(const char* call) {
  std::vector<int> errors;
  const char* known = canonical_call(call);
  for (const ErrorText& e : kErrors) {
    if (known && e.call && e.error != 0 && std::strcmp(e.call, known) == 0) errors.push_back(e.error);
  }
  return errors;
}

namespace {

void markdown_calls(std::string* out) {
  *out += "## Calls and their errnos\n\n";
  *out += "Each call the fault layer interposes, with the errnos the kernel returns for it. `lock` is the fault\n"
          "layer's one call for fcntl's lock commands, flock and lockf (`fault call=lock`); each also has its own entry.\n";
  *out += "Aliases share their call's entries: ";
  for (size_t i = 0; i < std::size(kAliases); ++i) {
    *out += std::string(i ? ", " : "") + "`" + kAliases[i].name + "` as `" + kAliases[i].call + "`";
  }
  *out += ".\n";
  for (const char* call : described_calls()) {
    *out += std::string("\n### ") + call + "\n\n| errno | what it means for a mapped file |\n|---|---|\n";
    for (int error : described_errnos(call)) {
      *out += std::string("| ") + errno_name(error) + " | " + find_error(call, error)->meaning + " |\n";
    }
    *out += std::string("| any other | the errno's meaning below; ") + find_error(call, 0)->meaning + " |\n";
  }
}

void markdown_generic(std::string* out) {
  *out += "\n## Any other call\n\nAn errno from a call not listed above (an adapter's own call names, such as\n"
          "`mapped_region::flush`), or not listed for its call.\n\n| errno | meaning |\n|---|---|\n";
  for (const ErrorText& e : kErrors) {
    if (!e.call) *out += std::string("| ") + errno_name(e.error) + " | " + e.meaning + " |\n";
  }
}

void markdown_signals(std::string* out) {
  *out += "\n## Signals\n\nA signal raised by an access to a mapping, by its si_code. A signal with si_code <= 0 was ";
  *out += std::string(kSentBySomeone) + ".\n\n| signal | si_code | what it means for a mapping |\n|---|---|---|\n";
  for (const SignalText& s : kSignals) {
    *out += std::string("| ") + signal_name(s.signo) + " | " + (s.code == kAnyCode ? "any other" : s.code_name) +
            " | " + s.meaning + " |\n";
  }
}

void markdown_kinds(std::string* out) {
  *out += "\n## What a correct library does, by finding kind\n\n| finding | instead |\n|---|---|\n";
  for (size_t k = 1; k < std::size(kCorrectLibrary); ++k) {
    *out += std::string("| ") + finding_name(static_cast<FindingKind>(k)) + " | " + kCorrectLibrary[k] + " |\n";
  }
}

}  // namespace

std::string errors_markdown() {
  std::string out =
      "<!-- Generated by `mapfuzz-reference errors --markdown` from harness/explanations.cc;\n"
      "     scripts/errors-doc --write regenerates it, a test checks it. Do not edit. -->\n"
      "# Errors and signals around memory-mapped files\n\n"
      "What each errno of each call, and each signal, means for code that uses memory-mapped files,\n"
      "and what a correct library does instead of each kind of finding. Every mapfuzz report prints\n"
      "one `why:` line from this table: the failing call and errno (or the signal) of the failing step,\n"
      "then the finding kind's sentence.\n\n";
  markdown_calls(&out);
  markdown_generic(&out);
  markdown_signals(&out);
  markdown_kinds(&out);
  return out;
}

}  // namespace mapfuzz::explain
