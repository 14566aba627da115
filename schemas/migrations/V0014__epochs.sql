-- Failover (issue #14): tools/ledger promote makes a standby writable under a new primary epoch,
-- recorded in the log as an EPOCH_STARTED event (type 11). The writer checks a new epoch against
-- the ones the log holds, and the CDC relay stamps each event with its epoch; this index finds those
-- few events without reading the rest (a commit writes to it only for them).

CREATE INDEX events_epochs ON events (seq) WHERE type = 11;
