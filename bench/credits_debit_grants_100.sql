\set aid random(1, 1000)
SELECT * FROM credits_debit('grants100_' || :aid, 1);
