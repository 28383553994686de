"""mapfuzz's tooling after the fuzzers have run: triage (signatures, dedup,
minimisation, known vs new), the persistent corpus store, the nightly job and
its reports. Python 3.11 standard library only; the scripts in scripts/ put
scripts/lib on sys.path and call into here."""
