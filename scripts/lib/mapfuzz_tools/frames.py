"""The innermost frames of the library under test in a sanitizer's stack trace.

A crash's signature (harness/signature.h) ends with them: two crashes of one
bug stop in the same library function, whatever the addresses, line numbers
and build. Frames of the sanitizer runtime, libc, the C++ runtime, libFuzzer
and mapfuzz's own harness (harness/, faults/) are skipped; what remains is
the library under test and the adapter that called it, innermost first.
"""
import os
import re

# "    #2 0x7f38c1edef10 in tkrzw::MemoryMapParallelFile::Read(long, void*, unsigned long) (/lib/x86_64-linux-gnu/libtkrzw.so.1+0xaaf10) (BuildId: ...)"
# "    #4 0x55904619e5a0 in mapfuzz::Executor::read_all(mapfuzz::Subject&) /work/main/harness/executor.cc:302:37"
_FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ in (.+?)(?: (\(.*\+0x[0-9a-f]+\))(?: \(BuildId: [0-9a-f]+\))?| (\S+:\d+(?::\d+)?))?$")
_STACK_START = re.compile(r"(ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|MemorySanitizer|ThreadSanitizer)|runtime error:|WARNING: ThreadSanitizer)")
_RUNTIME_PREFIXES = ("__interceptor_", "___interceptor_", "__asan", "__lsan", "__ubsan", "__sanitizer", "__tsan",
                     "__libc_", "fuzzer::", "LLVMFuzzer", "std::", "__gnu_cxx::", "__cxa", "__mem", "__str",
                     "operator new", "operator delete", "__GI_", "__pthread")
_RUNTIME_NAMES = {"main", "_start", "abort", "raise", "start_thread", "clone", "clone3", "memcpy", "memmove",
                  "memset", "memcmp", "gsignal"}
_RUNTIME_MODULES = ("/libc.so", "/libc-", "/ld-linux", "/libstdc++", "/libc++", "/libgcc", "/libm.so",
                    "/libpthread", "libclang_rt", "/libasan", "/libubsan")
_RUNTIME_SOURCES = ("/sysdeps/", "string/", "csu/", "nptl/", "compiler-rt/", "/libfuzzer/", "libfuzzer/",
                    "/sanitizer_common/", "/asan/", "/ubsan/")
_HARNESS_DIRS = ("harness/", "faults/")


def strip_parameters(function):
    """"ns::C::f(long, void*) const" -> "ns::C::f"; keeps "(anonymous namespace)"."""
    text = function.replace("(anonymous namespace)", "\0")
    depth, cut = 0, len(text)
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "(" and depth == 0:
            cut = i
            break
    return text[:cut].strip().replace("\0", "(anonymous namespace)")


def _source_path(where):
    """"/a/build/../harness/x.cc:99:25" -> "/a/harness/x.cc"; module paths unchanged."""
    path = re.sub(r"(:\d+)+$", "", where)
    return os.path.normpath(path) if path.startswith("/") and "+0x" not in path else path


def _is_runtime(function, where, root):
    where = _source_path(where)
    if function.startswith(_RUNTIME_PREFIXES) or strip_parameters(function) in _RUNTIME_NAMES:
        return True
    if any(m in where for m in _RUNTIME_MODULES) or any(s in where for s in _RUNTIME_SOURCES):
        return True
    if root and where.startswith(root.rstrip("/") + "/"):
        rel = where[len(root.rstrip("/")) + 1:]
        return rel.startswith(_HARNESS_DIRS)
    return any("/" + d in where for d in _HARNESS_DIRS) and "/targets/" not in where


def stack_frames(text):
    """The frames (function, where) of the first sanitizer stack in `text`, innermost first; [] if none."""
    frames, started, in_stack = [], False, False
    for line in text.splitlines():
        if not started:
            started = bool(_STACK_START.search(line))
            continue
        m = _FRAME.match(line)
        if m:
            in_stack = True
            frames.append((m.group(2), (m.group(3) or m.group(4) or "").strip("()")))
        elif in_stack:
            break
    return frames


def library_frames(text, root=None, count=2):
    """Up to `count` innermost frames of `text`'s first sanitizer stack that are
    neither runtime nor mapfuzz harness, as function names without parameters."""
    out = []
    for function, where in stack_frames(text):
        if function.startswith("0x") or _is_runtime(function, where, root):
            continue
        name = strip_parameters(function)
        if name and (not out or out[-1] != name):
            out.append(name)
        if len(out) == count:
            break
    return out


def sanitizer_error(text):
    """The sanitizer's error type ("heap-buffer-overflow", "SEGV", "detected memory leaks", ...) or None."""
    m = re.search(r"ERROR: (?:AddressSanitizer|LeakSanitizer|ThreadSanitizer): ([\w-]+(?: memory leaks)?)", text)
    if m:
        return m.group(1)
    m = re.search(r"runtime error: ([^\n]{0,60})", text)
    return "ubsan" if m else None
