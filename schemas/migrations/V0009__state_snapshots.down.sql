-- Undoes V0009. A snapshot is the fold of the log up to its seq: derived, and an open without one
-- folds the whole log.

DROP TABLE state_snapshots;
