"""frames.py: a crash's signature ends with the innermost frames of the
library under test, never the sanitizer runtime, libc or mapfuzz's harness."""
import os
import unittest

from mapfuzz_tools import frames

HERE = os.path.dirname(os.path.abspath(__file__))
TKRZW = open(os.path.join(HERE, "fixtures", "asan_segv_tkrzw.txt")).read()


class FramesTest(unittest.TestCase):
    def test_library_frames_skip_runtime_and_harness(self):
        self.assertEqual(frames.library_frames(TKRZW, root="/work/main"),
                         ["tkrzw::MemoryMapParallelFile::Read", "mapfuzz::(anonymous namespace)::TkrzwSubject::read"])

    def test_the_checkout_path_does_not_matter(self):
        moved = TKRZW.replace("/work/main/", "/home/ci/src/mapfuzz/")
        self.assertEqual(frames.library_frames(moved, root="/home/ci/src/mapfuzz"),
                         frames.library_frames(TKRZW, root="/work/main"))
        self.assertEqual(frames.library_frames(moved), frames.library_frames(TKRZW, root="/work/main"))

    def test_a_library_built_from_source_in_targets_is_kept(self):
        text = ("==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1\n"
                "    #0 0x1 in __asan_memcpy (/x/mapfuzz-reference+0x1)\n"
                "    #1 0x2 in mapfuzz::reference::MappedFile::write(unsigned long) /src/targets/reference/mapped_file.cc:88:5\n"
                "    #2 0x3 in mapfuzz::Executor::call_library(mapfuzz::Op const&) /src/build/test/../../harness/executor.cc:9:2\n"
                "    #3 0x3 in mapfuzz::Executor::step(mapfuzz::Op const&) /src/harness/executor.cc:1:1\n")
        self.assertEqual(frames.library_frames(text, root="/src"), ["mapfuzz::reference::MappedFile::write"])
        self.assertEqual(frames.sanitizer_error(text), "heap-buffer-overflow")

    def test_no_stack_no_frames(self):
        self.assertEqual(frames.library_frames("==mapfuzz== ERROR: leak in target 'x' (replay)\n"), [])

    def test_strip_parameters_keeps_templates_and_anonymous_namespaces(self):
        self.assertEqual(frames.strip_parameters("a::(anonymous namespace)::f(int) const"),
                         "a::(anonymous namespace)::f")
        self.assertEqual(frames.strip_parameters("std::vector<int(*)(int)>::push_back(int)"),
                         "std::vector<int(*)(int)>::push_back")


if __name__ == "__main__":
    unittest.main()
