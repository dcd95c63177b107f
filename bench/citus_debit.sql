\set i random(1, :accounts)
SELECT * FROM credits_debit((SELECT name FROM bench_account WHERE i = :i), 1);
