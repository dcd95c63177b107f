\set n random(1, 20)
SELECT feed_op(:n);
