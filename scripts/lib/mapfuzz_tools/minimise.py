"""Operation-level minimisation that keeps the bug: delta debugging over a
program's ops (library ops, fault ops and outside events alike), then
shrinking each number toward 0 and page boundaries. A candidate is kept only
if it replays to the same signature, so the minimised program shows the bug
that was found, never a different one that happens to be smaller.
"""
import os
import re
import time

PAGE = 4096
_NUMBER = re.compile(r"\b(size|offset|length|nth|seed|mode)=(\d+)\b")


def program_ops(text):
    """The op lines of a text program (comments and blank lines dropped)."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


class Budget:
    """A deadline shared by every step of a triage."""

    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.deadline - time.monotonic())

    def over(self):
        return self.left() <= 0


class Minimiser:
    """Minimises programs for one target. `replayer` runs a program file and
    returns an Outcome (replay.py); candidates go to files in `work_dir`."""

    def __init__(self, replayer, work_dir, budget):
        self.replayer, self.work_dir, self.budget = replayer, work_dir, budget
        self.tried = 0
        self.kept = None  # the Outcome of the last program keeps() kept
        os.makedirs(work_dir, exist_ok=True)

    def keeps(self, ops, signature):
        """True iff the program `ops` replays to `signature` (its Outcome is
        then self.kept: after minimise(), the minimised program's)."""
        if self.budget.over():
            return False
        self.tried += 1
        path = os.path.join(self.work_dir, "candidate-%d.txt" % self.tried)
        with open(path, "w") as f:
            f.write("\n".join(ops) + "\n")
        try:
            outcome = self.replayer.run(path)
            if outcome.signature != signature:
                return False
            self.kept = outcome
            return True
        except Exception:  # a candidate the codec rejects is simply not kept
            return False
        finally:
            os.unlink(path)

    def minimise(self, ops, signature):
        """The smallest program found within the budget that still replays to
        `signature` (`ops` itself if nothing smaller does)."""
        ops = self.drop_ops(list(ops), signature)
        while not self.budget.over():  # a smaller number may let another one shrink further
            shrunk = self.shrink_numbers(ops, signature)
            if shrunk == ops:
                break
            ops = shrunk
        return ops

    def drop_ops(self, ops, signature):
        """Delta debugging (ddmin, complements only): removes chunks of ops,
        halving the chunk size down to single ops, until no single op can go."""
        chunk = max(1, len(ops) // 2)
        while not self.budget.over():
            start, removed = 0, False
            while start < len(ops) and len(ops) > 1:
                candidate = ops[:start] + ops[start + chunk:]
                if self.keeps(candidate, signature):
                    ops, removed = candidate, True
                else:
                    start += chunk
            if chunk == 1 and not removed:
                break
            chunk = min(chunk, max(1, len(ops) // 2)) if removed else max(1, chunk // 2)
        return ops

    @staticmethod
    def number_candidates(key, value):
        """Smaller values worth trying for `key=value`, best first."""
        if key == "nth":
            out = [1]
        elif key == "seed":
            out = [0, 1]
        elif key == "mode":
            return []
        else:
            out = [0, PAGE, value // PAGE * PAGE, value // 2, value - 1]
        return [c for c in dict.fromkeys(out) if 0 <= c < value]

    def shrink_numbers(self, ops, signature):
        """Each number of each op, toward 0 and page boundaries, while the
        signature holds."""
        for i in range(len(ops)):
            for m in list(_NUMBER.finditer(ops[i])):
                key = m.group(1)
                for c in self.number_candidates(key, int(m.group(2))):
                    if self.budget.over():
                        return ops
                    line = re.sub(r"\b%s=\d+\b" % key, "%s=%d" % (key, c), ops[i], count=1)
                    candidate = ops[:i] + [line] + ops[i + 1:]
                    if self.keeps(candidate, signature):
                        ops = candidate
                        break
        return ops
