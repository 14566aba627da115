-- Provably fair games (issue #13): a commitment hides a server seed that the game's close reveals,
-- so a commitment used again would let anyone who read the first game's close predict every die
-- of the second. The writer refuses an opening whose commitment was ever used (COMMITMENT_REUSED),
-- and asks this table, one row per commitment, written in the same transaction as the opening
-- (store.EventLog; a page written only for a fair game's opening). The commitment lives in the
-- Smile payload, which SQL cannot read: the rows of games opened before this table existed are
-- added at the next open by projection.FairCommitments, which records it in ledger_meta.

CREATE TABLE fair_commitments (
    commitment TEXT PRIMARY KEY,
    game_id    TEXT NOT NULL
) WITHOUT ROWID;
