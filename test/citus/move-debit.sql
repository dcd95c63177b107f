\set n random(1, 40)
SELECT load_debit('load_' || :n);
