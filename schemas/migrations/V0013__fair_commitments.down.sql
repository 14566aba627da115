-- Undoes V0013. Every commitment is in its GAME_OPENED payload, so the table is derived: the
-- ledger_meta row that says projection.FairCommitments filled it goes too, so that the next open at
-- V0013 or later fills it again from the log instead of trusting an empty table.

DROP TABLE fair_commitments;
DELETE FROM ledger_meta WHERE name = 'fair_commitments_filled';
