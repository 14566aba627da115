-- Undoes V0002. The read model is a projection of the log; nothing in it is lost.

DROP TABLE postings;
DROP TABLE balances;
DROP TABLE games;
DROP TABLE bets;
DROP TABLE player_stats;
ALTER TABLE ledger_head DROP COLUMN read_model_seq;
