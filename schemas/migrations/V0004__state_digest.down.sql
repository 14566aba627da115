-- Undoes V0004. The digest is a hash of the projections, derived from the log.

ALTER TABLE ledger_head DROP COLUMN state_digest;
