#!/usr/bin/env python3
"""Checks that the adapter author's documentation matches the tree.

docs/ADAPTERS.md must list every field of harness/contract.h's Contract with
its default, and every macro mapfuzz_add_target() defines for the adapter;
README.md's counted figures (planted-bug mutants, seed programs, runs) must be
what the tree holds. Run from anywhere: python3 tests/docs/docs_test.py.
Exits 0 when all hold, 1 with a failure per mismatch.
"""
import pathlib
import re
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def read(path):
    return (ROOT / path).read_text()


def contract_fields():
    """Returns [(name, default)] of struct Contract's fields, in order."""
    body = re.search(r"struct Contract \{(.*?)\n\};", read("harness/contract.h"), re.S).group(1)
    fields = re.findall(r"^\s+[\w:]+\s+(\w+)\s*=\s*([^;]+);", body, re.M)
    return [(name, default.split("::")[-1].strip()) for name, default in fields]


def documented_defaults():
    """Returns {field: default} from docs/ADAPTERS.md's contract table rows."""
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", read("docs/ADAPTERS.md"), re.M)
    return dict(rows)


def reference_mutants():
    """Returns the names in MAPFUZZ_REFERENCE_MUTANTS (targets/CMakeLists.txt)."""
    block = re.search(r"set\(MAPFUZZ_REFERENCE_MUTANTS\n(.*?)\n\s*CACHE", read("targets/CMakeLists.txt"), re.S)
    return block.group(1).split()


class AdaptersDocTest(unittest.TestCase):
    def test_every_contract_field_is_documented_with_its_default(self):
        fields = contract_fields()
        self.assertGreaterEqual(len(fields), 10, "parsing harness/contract.h found too few fields")
        documented = documented_defaults()
        for name, default in fields:
            with self.subTest(field=name):
                self.assertIn(name, documented, f"docs/ADAPTERS.md has no row for contract field {name}")
                self.assertEqual(documented[name], default, f"docs/ADAPTERS.md gives {name} the wrong default")

    def test_macros_of_mapfuzz_add_target_are_documented(self):
        macros = set(re.findall(r"(MAPFUZZ_\w+)=\"\$\{T_NAME\}\"", read("cmake/MapfuzzTargets.cmake")))
        self.assertIn("MAPFUZZ_TARGET_NAME", macros)
        doc = read("docs/ADAPTERS.md")
        for macro in macros:
            self.assertTrue(f"`{macro}`" in doc, f"docs/ADAPTERS.md does not explain {macro}")


class ReadmeFiguresTest(unittest.TestCase):
    def test_mutant_count(self):
        stated = re.findall(r"(\d+) planted-bug mutants", read("README.md"))
        for n in stated:
            self.assertEqual(int(n), len(reference_mutants()), "README.md miscounts the planted-bug mutants")

    def test_seed_program_count(self):
        seeds = len(list((ROOT / "corpus/reference").glob("*.txt")))
        for n in re.findall(r"(\d+) seed programs|corpus/reference` \((\d+) programs", read("README.md")):
            self.assertEqual(int(n[0] or n[1]), seeds, "README.md miscounts the seed programs of corpus/reference")

    def test_no_corpus_run_total(self):
        # The number of enumeration runs over a corpus changes with every seed
        # and errno table entry; nothing checks it, so README must not state it.
        stated = re.search(r"\d+ programs, \d+ runs", read("README.md"))
        self.assertIsNone(stated, f"README.md states a run total nothing keeps true: {stated and stated.group(0)}")


if __name__ == "__main__":
    unittest.main()
