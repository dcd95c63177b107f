-- Takes its xid with the first event, then sleeps while others commit: it
-- commits out of xid order. Accounts in ascending order: no deadlock.
\set a random(1, 10)
\set b random(11, 20)
BEGIN;
SELECT feed_op(:a);
SELECT pg_sleep(random() * 0.05);
SELECT feed_op(:b);
SELECT feed_op(:b);
COMMIT;
