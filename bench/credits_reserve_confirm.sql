\set aid random(1, 10000)
SELECT id AS hold FROM credits_reserve('user_' || :aid, 5) \gset
SELECT amount FROM credits_confirm(:hold, 3);
