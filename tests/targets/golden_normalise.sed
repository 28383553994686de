# What golden_test.sh removes from replay's output before comparing it: only
# what differs between two runs of the same build (addresses, pids) or between
# two builds that behave the same (the body of a sanitizer's report: stack
# frames naming harness source lines, shadow memory, the memcpy variant the CPU
# picked). mapfuzz's own lines (steps, events, verdicts, reports) are kept as
# printed. golden_test.sh replaces the targets directory by <bin> first.

# Addresses (ASLR): of a crash and of a failed msync in mapfuzz's report, and
# in a sanitizer's one-line runtime error.
s/at address 0x[0-9a-f]\{6,\}/at address <addr>/g
s/msync(addr=0x[0-9a-f]*,/msync(addr=<addr>,/g
/: runtime error: /s/0x[0-9a-f]\{6,\}/<addr>/g
# A sanitizer's report, from its ERROR line to its SUMMARY line: only its kind.
/^==[0-9]\{1,\}==ERROR: [A-Za-z]*Sanitizer: /,/^SUMMARY: [A-Za-z]*Sanitizer: /{
  s/^==[0-9]\{1,\}==ERROR: \([A-Za-z]*Sanitizer: [A-Za-z-]*\).*/==<pid>==ERROR: \1/p
  s/^\(SUMMARY: [A-Za-z]*Sanitizer: [A-Za-z-]*\).*/\1/p
  d
}
# ... and the shadow memory it may print after the SUMMARY line.
/^Shadow bytes around the buggy address:/,/^  Right alloca redzone:/d
# The sanitizer's pid prefix (==<pid>==ABORTING).
s/^==[0-9]\{1,\}==/==<pid>==/
# Where a sanitizer's runtime error points in a source file: the path depends
# on the build's directory (and compiler cache), the line on edits elsewhere
# in the file. The file name and the message stay.
s|[^ ]*/\(targets/[^ :]*\):[0-9]\{1,\}:[0-9]\{1,\}|\1:<line>|g
s|[^ ]*/\(harness/[^ :]*\):[0-9]\{1,\}:[0-9]\{1,\}|\1:<line>|g
