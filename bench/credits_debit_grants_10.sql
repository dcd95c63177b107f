\set aid random(1, 1000)
SELECT * FROM credits_debit('grants10_' || :aid, 1);
