-- One row the writer rewrites to seal the WAL after a COMMIT that failed with an I/O error (a
-- failed WAL fsync can leave the failed batch's frames, commit frame included, in the WAL file;
-- a crash before the next commit would bring that "rolled back" batch back). The sealing commit
-- must change bytes: SQLite skips writing a page whose content an UPDATE leaves unchanged.
-- Nothing reads this table; the audit ignores it.

CREATE TABLE writer_seal (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seals INTEGER NOT NULL        -- how many sealing commits this database has seen
);

INSERT INTO writer_seal (id, seals) VALUES (1, 0);
