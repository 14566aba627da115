-- The timeline this database's history follows (PostgreSQL's idea): a restore that stops short of
-- the newest history, or restores a backup without the journal archive, starts a new timeline
-- branched at the restored seq. The journal archive records the timeline it follows (its
-- TIMELINE file; none = 'original'), so that reopening with an archive of another timeline is
-- refused instead of replaying the abandoned history on top of the restored one.
-- One row. Every ledger made before this table existed is on the original timeline.

CREATE TABLE ledger_timeline (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    timeline        TEXT NOT NULL,       -- 'original', or the id a restore gave the new timeline
    branched_at_seq INTEGER NOT NULL,    -- the last seq shared with the parent timeline (0: original)
    parent          TEXT                 -- the timeline it branched from, or null
);

INSERT INTO ledger_timeline (id, timeline, branched_at_seq, parent) VALUES (1, 'original', 0, NULL);
