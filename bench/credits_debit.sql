\set aid random(1, 10000)
SELECT * FROM credits_debit('user_' || :aid, 1);
