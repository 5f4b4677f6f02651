-- Business keys: names as the text of an array literal (issue 18, ADR 0016 addendum 3).
--
-- `names` is read only by `key=name:value`, on the few rows the value already
-- matched, and by the insert path's "stored already" probe; both cast it back
-- (names::text[]). Stored as text[], every key row paid for array_in on ingest
-- and for the array's header on disk. Measured on bench-shaped key rows (3 per
-- saga, 420 sagas per COPY, the (value, saga_id) btree in place): backend CPU
-- 11.1 -> 10.3 µs per saga, WAL 636 -> 564 bytes per saga, heap 29 -> 23 MB per
-- 300,000 rows. COPY lines and INSERTs are unchanged: the collector writes the
-- same array literal, and a text[] assigned to this column is cast to its text.

ALTER TABLE "saga_keys" ALTER COLUMN "names" TYPE TEXT USING "names"::text;
