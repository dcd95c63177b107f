\set aid random(1, 1000)
SELECT * FROM credits_debit('user_' || :aid, 1);
