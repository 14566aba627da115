-- Undoes V0008. The digest stored since V0008 covers the writer's in-memory state, which code
-- before V0008 would take for the digest of the whole read model: it goes (null: no digest to
-- check), and the read model is marked as lagging, so that the next open rebuilds both from the log.

UPDATE ledger_head SET read_model_seq = 0, state_digest = NULL;
