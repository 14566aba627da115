-- Undoes V0006. Only a ledger on the original timeline can lose this row: V0006 writes that row
-- again. A restored ledger's branch (timeline id, branch seq, parent) is in no event, so
-- store.DownStepChecks refuses the step for it.

DROP TABLE ledger_timeline;
