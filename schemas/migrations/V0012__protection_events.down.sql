-- Undoes V0012. The LIMITS_SET and PLAYER_EXCLUDED events stay in the log; only their index goes.

DROP INDEX events_protection;
