-- Undoes V0001: version 0 is an empty database. store.DownStepChecks refuses this step while the
-- log holds an event: the events are the ledger.

DROP TABLE ledger_head;
DROP TABLE events;
DROP TABLE ledger_meta;
