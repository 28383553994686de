"""The exit codes of every mapfuzz executable and script: the Python side of
harness/exit_codes.h (tests/scripts/exit_codes_test.py checks they agree)."""

CLEAN = 0         # ran to the end; no finding (scripts: no new finding)
FINDING = 1       # a finding: the harness's oracle, a crash or a sanitizer report (scripts: a new one)
USAGE = 2         # bad command line, bad MAPFUZZ_* value, an input that is not a program, a build error
INCONCLUSIVE = 3  # no finding, but a fault mode a program needs was unavailable here (its steps were skipped)

HELP = """Exit status (the same in every mapfuzz executable and script): 0 no (new) finding;
1 a (new) finding; 2 usage error or bad input (an argument, a MAPFUZZ_* value, a file that is
not a program, a failed build); 3 inconclusive: no finding, but a fault mode a program needs was
unavailable here (e.g. disk-full without mount privileges)."""
