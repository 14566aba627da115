-- Undoes V0003. The batch records (boundaries, HMAC signatures) are in no event: store.DownStepChecks
-- refuses this step unless the table holds only what V0003 itself writes from ledger_head (one
-- unsigned batch ending at the head, or none).

DROP TABLE batches;
