-- credits writes its tables below the executor, and keeps the contract an
-- INSERT or UPDATE through the executor keeps: read-only transactions,
-- constraints, defaults and generated columns a DBA adds, publications' rules;
-- what it cannot honour there is refused when it is added (CR019), and every
-- write refuses it too should the guard be off.
\i sql/include/setup.sql
SET datestyle = ISO;  -- the executor's DETAIL shows the row, with times pg_temp.fails masks
SELECT external_id, balance FROM credits_create_account('rw', initial_balance => 100);
SELECT id AS hold FROM credits_reserve('rw', 5) \gset
SELECT transaction_id AS credit FROM credits_entries WHERE external_id = 'rw' \gset

-- Read-only transactions: every writer fails with 25006 and writes nothing.
CREATE FUNCTION pg_temp.read_only(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL transaction_read_only = on;
    RETURN pg_temp.fails(query);
END $$;
SELECT regexp_replace(call, '([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}', '\1_<id>', 'g') AS call, pg_temp.read_only(call)
  FROM (VALUES
    ($$SELECT credits_create_account('ro')$$),
    ($$SELECT credits_update_account('rw', name => 'x')$$),
    ($$SELECT credits_credit('rw', 1)$$),
    ($$SELECT credits_debit('rw', 1)$$),
    ($$SELECT credits_adjust('rw', 1)$$),
    ($$SELECT credits_reserve('rw', 1)$$),
    (format('SELECT credits_confirm(%L, 1)', :'hold')),
    (format('SELECT credits_cancel(%L)', :'hold')),
    (format('SELECT credits_extend_reservation(%L, %L)', :'hold', '1 hour')),
    (format('SELECT credits_reverse(%L, 1)', :'credit')),
    ($$SELECT credits_transfer('rw', 'rw', 1)$$),
    ($$SELECT credits_freeze('rw')$$),
    ($$SELECT credits_apply('[{"op": "debit", "account": "rw", "amount": 1}]')$$),
    ($$SELECT credits_apply('[{"op": "debit", "account": "rw", "amount": 1}]', false)$$),
    ($$SELECT credits_create_plan('ro', NULL, 1, 'day')$$),
    ($$SELECT credits_assign_plan('rw', 'ro')$$),
    ($$SELECT credits_cancel_plan('rw')$$),
    ($$SELECT credits_run_due()$$),
    ($$SELECT credits_expire_reservations()$$),
    ($$SELECT credits_bind_role('pg_monitor', 'x')$$),
    ($$SELECT credits_grant_access('pg_monitor', 'read')$$)
) AS calls(call);
-- default_transaction_read_only too; reading still works.
SET default_transaction_read_only = on;
SELECT pg_temp.fails($$SELECT credits_debit('rw', 1)$$);
SELECT balance, reserved FROM credits_balance('rw');
SELECT count(*) AS entries FROM credits_ledger('rw');
RESET default_transaction_read_only;
SELECT count(*) AS entries FROM credits_entries WHERE external_id = 'rw';

-- CHECK constraints a DBA adds hold for credits' own writes (23514, the
-- executor's error), on inserts and on updates.
ALTER TABLE credits_entry ADD CONSTRAINT small_debits CHECK (amount >= -50);
SELECT pg_temp.fails($$SELECT credits_debit('rw', 60)$$);
SELECT balance FROM credits_debit('rw', 10);
ALTER TABLE credits_entry DROP CONSTRAINT small_debits;
ALTER TABLE credits_account ADD CONSTRAINT keep_ten CHECK (balance >= 10) NOT VALID;
SELECT pg_temp.fails($$SELECT credits_debit('rw', 85)$$);
SELECT balance FROM credits_debit('rw', 1);
ALTER TABLE credits_account DROP CONSTRAINT keep_ten;

-- Columns a DBA adds: defaults and identities are filled, generated columns
-- computed, NOT NULL and domains checked, as an INSERT would.
CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
ALTER TABLE credits_entry
    ADD COLUMN source text NOT NULL DEFAULT 'credits',
    ADD COLUMN entry_no bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN cents numeric GENERATED ALWAYS AS (amount * 100) STORED,
    ADD COLUMN noted_at timestamptz DEFAULT now();
ALTER TABLE credits_account ADD COLUMN doubled numeric GENERATED ALWAYS AS (balance * 2) STORED;
SELECT balance FROM credits_debit('rw', 2);
SELECT seq, amount, source, entry_no > 0 AS numbered, cents, noted_at IS NOT NULL AS noted
  FROM credits_entry WHERE account_id = (SELECT id FROM credits_accounts WHERE external_id = 'rw') ORDER BY seq;
SELECT balance, doubled FROM credits_account WHERE external_id = 'rw';
ALTER TABLE credits_entry ADD COLUMN weight positive_int NOT NULL DEFAULT 1;
ALTER TABLE credits_entry ALTER COLUMN weight DROP DEFAULT;
SELECT pg_temp.fails($$SELECT credits_debit('rw', 1)$$);
ALTER TABLE credits_entry DROP COLUMN weight;
DROP DOMAIN positive_int;
ALTER TABLE credits_entry ADD COLUMN required text NOT NULL DEFAULT 'x';
ALTER TABLE credits_entry ALTER COLUMN required DROP DEFAULT;
SELECT pg_temp.fails($$SELECT credits_debit('rw', 1)$$);
ALTER TABLE credits_entry DROP COLUMN required, DROP COLUMN source, DROP COLUMN entry_no, DROP COLUMN cents,
    DROP COLUMN noted_at;
ALTER TABLE credits_account DROP COLUMN doubled;

-- Foreign keys that reference credits' tables are fine (credits never
-- deletes a row or changes a key); one from its tables is refused.
CREATE TABLE orders (id int PRIMARY KEY, account_id text COLLATE "C" REFERENCES credits_account (id));
INSERT INTO orders SELECT 1, id FROM credits_accounts WHERE external_id = 'rw';
SELECT balance FROM credits_debit('rw', 1);
CREATE TABLE owners (id text PRIMARY KEY);
SELECT pg_temp.fails($$ALTER TABLE credits_account ADD CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id)$$);
DROP TABLE orders, owners;

-- Triggers, rules, deferrable constraints, partitions and child tables: the
-- DDL is refused (CR019) and nothing of it stays.
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
SELECT pg_temp.fails($$CREATE TRIGGER audit AFTER INSERT ON credits_entry FOR EACH ROW EXECUTE FUNCTION audit()$$);
SELECT pg_temp.fails($$CREATE TRIGGER audit BEFORE UPDATE ON credits_account FOR EACH ROW EXECUTE FUNCTION audit()$$);
SELECT pg_temp.fails($$CREATE CONSTRAINT TRIGGER audit AFTER INSERT ON credits_grant DEFERRABLE
                       FOR EACH ROW EXECUTE FUNCTION audit()$$);
SELECT pg_temp.fails($$CREATE RULE quiet AS ON INSERT TO credits_plan DO INSTEAD NOTHING$$);
SELECT pg_temp.fails($$ALTER TABLE credits_entry ADD CONSTRAINT once UNIQUE (transaction_id, seq) DEFERRABLE$$);
SELECT pg_temp.fails($$CREATE TABLE entry_child () INHERITS (credits_entry)$$);
CREATE TABLE ledgers (LIKE credits_entry) PARTITION BY LIST (type);
SELECT pg_temp.fails($$ALTER TABLE ledgers ATTACH PARTITION credits_entry DEFAULT$$);
DROP TABLE ledgers;
SELECT count(*) AS user_triggers FROM pg_trigger
 WHERE tgrelid IN ('credits_entry'::regclass, 'credits_account'::regclass, 'credits_grant'::regclass)
   AND tgname = 'audit';
-- An immediate unique constraint, an index and an exclusion-free CHECK are fine.
ALTER TABLE credits_entry ADD CONSTRAINT once UNIQUE (transaction_id, seq);
SELECT balance FROM credits_debit('rw', 1);
ALTER TABLE credits_entry DROP CONSTRAINT once;

-- With the guard off, a write to such a table refuses instead.
ALTER EVENT TRIGGER credits_refuse_unsupported_ddl DISABLE;
CREATE TRIGGER audit AFTER INSERT ON credits_entry FOR EACH ROW EXECUTE FUNCTION audit();
SELECT pg_temp.fails($$SELECT credits_debit('rw', 1)$$);
SELECT pg_temp.fails($$SELECT credits_apply('[{"op": "debit", "account": "rw", "amount": 1}]')$$);
DROP TRIGGER audit ON credits_entry;
ALTER EVENT TRIGGER credits_refuse_unsupported_ddl ENABLE ALWAYS;
SELECT balance FROM credits_debit('rw', 1);
DROP FUNCTION audit();

-- Publications: an UPDATE that the executor would refuse for a publication's
-- sake is refused here too (a subscriber would silently keep the old row).
SET client_min_messages = error;  -- wal_level is not logical here: a WARNING
CREATE PUBLICATION rich FOR TABLE credits_account WHERE (balance > 50);
RESET client_min_messages;
SELECT pg_temp.fails($$SELECT credits_debit('rw', 1)$$);
ALTER TABLE credits_account REPLICA IDENTITY FULL;
SELECT balance FROM credits_debit('rw', 1);
DROP PUBLICATION rich;
ALTER TABLE credits_account REPLICA IDENTITY NOTHING;
SET client_min_messages = error;
CREATE PUBLICATION everything FOR TABLE credits_account;
RESET client_min_messages;
SELECT pg_temp.fails($$SELECT credits_debit('rw', 1)$$);
SELECT pg_temp.fails($$SELECT credits_freeze('rw')$$);
DROP PUBLICATION everything;
ALTER TABLE credits_account REPLICA IDENTITY DEFAULT;
SELECT balance FROM credits_debit('rw', 1);

SELECT * FROM credits_verify();
