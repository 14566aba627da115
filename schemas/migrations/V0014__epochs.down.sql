-- Undoes V0014. The EPOCH_STARTED events stay in the log; only the index that finds them goes.

DROP INDEX events_epochs;
