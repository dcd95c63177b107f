-- Events of a transaction that rolls back must never be delivered.
\set n random(1, 20)
BEGIN;
SELECT feed_op(:n);
SELECT pg_sleep(random() * 0.02);
ROLLBACK;
