-- Feed test data: 20 accounts with several alert thresholds each (some with
-- an overdraft, so that they can reach zero and below), one consumer of the
-- whole feed, the table it records what it was delivered in, and the
-- operation the writers run: a debit or a credit that crosses thresholds
-- down and up (more debits when the account is high, more credits when it
-- is low), in a subtransaction that swallows CR001.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP DATABASE IF EXISTS credits_feed;
CREATE DATABASE credits_feed;
\c credits_feed
CREATE EXTENSION credits;
SELECT count(*) FROM generate_series(1, 20) i,
       LATERAL credits_create_account('acct_' || i, initial_balance => 300,
                                      overdraft_limit => CASE WHEN i % 4 = 0 THEN 100 ELSE 0 END) a;
SELECT count(*) FROM generate_series(1, 20) i,
       LATERAL credits_set_alerts('acct_' || i, ARRAY[250, 150, 100 + i, 50, 10]::numeric[],
                                  depleted => i % 2 = 0) s;
SELECT count(*) FROM credits_create_consumer('feed');

CREATE FUNCTION feed_op(n integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    account text := 'acct_' || n;
    amount integer := 1 + floor(random() * 120)::integer;
    avail numeric;
BEGIN
    SELECT available INTO avail FROM credits_balance(account);
    IF random() < (CASE WHEN avail > 300 THEN 0.8 WHEN avail < 60 THEN 0.3 ELSE 0.5 END) THEN
        PERFORM credits_debit(account, amount, 'feed');
    ELSE
        PERFORM credits_credit(account, amount, 'feed');
    END IF;
    RETURN 'ok';
EXCEPTION WHEN SQLSTATE 'CR001' THEN
    RETURN 'CR001';
END $$;

-- What the consumer was delivered: claim n, the rank-th row it returned.
CREATE TABLE feed_delivery (
    claim      integer NOT NULL,
    rank       bigint NOT NULL,
    id         text NOT NULL,
    position   bigint NOT NULL,
    ordinal    integer NOT NULL,
    type       text NOT NULL,
    account_id text,
    PRIMARY KEY (claim, rank)
);
-- A row here: the writers have finished; an empty claim after it is the end.
CREATE TABLE feed_stop (at timestamptz NOT NULL);

-- The consumer: claims a batch of random size (so that a transaction's
-- events are split across claims), records it and acknowledges through its
-- last event in one transaction, until the writers have finished and a
-- claim comes back empty.
CREATE PROCEDURE feed_consume(timeout interval) LANGUAGE plpgsql AS $$
DECLARE
    n_claim integer := 0;
    stopping boolean;
    last_id text;
    started timestamptz := clock_timestamp();
BEGIN
    LOOP
        stopping := EXISTS (SELECT FROM feed_stop);
        n_claim := n_claim + 1;
        INSERT INTO feed_delivery
        SELECT n_claim, e.rank, e.id, e.position, e.ordinal, e.type, e.account_id
          FROM credits_claim_events('feed', 1 + floor(random() * 40)::integer)
               WITH ORDINALITY AS e(id, type, account_id, external_id, tenant, occurred_at, data, position, ordinal,
                                    committed_at, rank);
        SELECT d.id INTO last_id FROM feed_delivery d WHERE d.claim = n_claim ORDER BY d.rank DESC LIMIT 1;
        IF last_id IS NULL THEN
            EXIT WHEN stopping;
            IF clock_timestamp() - started > timeout THEN
                RAISE EXCEPTION 'the consumer did not drain the feed within %', timeout;
            END IF;
            PERFORM pg_sleep(0.005);
        ELSE
            PERFORM credits_ack_events('feed', last_id);
        END IF;
        COMMIT;
    END LOOP;
END $$;
