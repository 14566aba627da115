-- Undoes V0007. The count of sealing commits is read by nothing (the audit ignores it); V0007
-- starts it again at 0.

DROP TABLE writer_seal;
