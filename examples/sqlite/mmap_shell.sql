-- The sqlite3 command-line shell with memory-mapped I/O, as SQLite's
-- documentation shows it (https://www.sqlite.org/mmap.html): the shell knows
-- nothing about mapfuzz. Run with
--   sqlite3 -bail -init examples/sqlite/mmap_shell.sql test.db .quit
-- Under `scripts/run` test.db is created in the run's sandbox directory.
PRAGMA mmap_size = 268435456;
PRAGMA journal_mode = DELETE;
CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
  INSERT INTO t(v) SELECT printf('row %d %.*c', i, 200, 'x') FROM n;
COMMIT;
SELECT count(*), sum(length(v)) FROM t;
DELETE FROM t WHERE k % 2 = 0;
VACUUM;
SELECT count(*) FROM t;
