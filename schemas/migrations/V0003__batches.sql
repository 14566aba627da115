-- One row per committed batch: the batch boundaries (so the audit can check invariants at each
-- and a backup can prove its seq is one), and, when the ledger runs with an HMAC key, a signature
-- of the head at that boundary. The key never enters the database; without it nobody can
-- produce a valid hmac, so a history rewritten from some seq onward shows at the first signed
-- boundary after it.

CREATE TABLE batches (
    last_seq     INTEGER PRIMARY KEY,
    first_seq    INTEGER NOT NULL,
    committed_ts INTEGER NOT NULL,       -- microseconds since the epoch, UTC
    head_hash    BLOB NOT NULL,          -- chain hash at last_seq
    hmac         BLOB                    -- HMAC-SHA256 of the signed head (see docs/formats.md), or null
) WITHOUT ROWID;

-- A ledger written before this table existed: its history counts as one batch ending at the head.
INSERT INTO batches (last_seq, first_seq, committed_ts, head_hash, hmac)
    SELECT seq, 1, updated_ts, hash, NULL FROM ledger_head WHERE seq > 0;
