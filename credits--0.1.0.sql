-- credits 0.1.0: accounts, credit, debit, balances and an append-only ledger.
\echo Use "CREATE EXTENSION credits" to load this file. \quit

-- The tenant this session works in (the credits.tenant setting).
CREATE FUNCTION credits_current_tenant() RETURNS text
    AS 'MODULE_PATHNAME', 'credits_current_tenant' LANGUAGE C STABLE PARALLEL SAFE;

-- Tables. Applications read the views below and write through the functions;
-- the guard triggers refuse any other UPDATE, DELETE or TRUNCATE.

CREATE TABLE credits_account (
    id              text COLLATE "C" PRIMARY KEY,
    tenant          text COLLATE "C" NOT NULL,
    external_id     text COLLATE "C" NOT NULL,
    owner_id        text,
    name            text,
    email           text,
    unit            text NOT NULL,
    scale           smallint NOT NULL CHECK (scale BETWEEN 0 AND 18),
    balance         numeric NOT NULL,
    reserved        numeric NOT NULL,
    overdraft_limit numeric NOT NULL,
    status          text NOT NULL CHECK (status IN ('active', 'frozen', 'closed')),
    metadata        jsonb,
    entry_count     bigint NOT NULL,       -- seq of the account's newest entry
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT credits_account_tenant_external_id_key UNIQUE (tenant, external_id)
) WITH (fillfactor = 70);                  -- room for HOT updates of the balance

CREATE INDEX credits_account_owner_idx ON credits_account (tenant, owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE credits_entry (
    account_id      text COLLATE "C" NOT NULL,
    seq             bigint NOT NULL,       -- 1, 2, 3, ... per account, no gaps
    transaction_id  text COLLATE "C" NOT NULL,
    type            text NOT NULL,
    amount          numeric NOT NULL,      -- signed: credits +, debits -
    balance_after   numeric NOT NULL,
    available_after numeric NOT NULL,
    description     text,
    reference       text,
    idempotency_key text COLLATE "C",
    metadata        jsonb,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (account_id, seq)
);

CREATE INDEX credits_entry_transaction_idx ON credits_entry (transaction_id);
CREATE UNIQUE INDEX credits_entry_idempotency_key ON credits_entry (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- pg_dump must back up the ledger, not only its definition.
SELECT pg_catalog.pg_extension_config_dump('credits_account', '');
SELECT pg_catalog.pg_extension_config_dump('credits_entry', '');

CREATE FUNCTION credits_refuse_direct_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'credits_refuse_direct_write' LANGUAGE C;
CREATE FUNCTION credits_refuse_ledger_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'credits_refuse_ledger_change' LANGUAGE C;

-- INSERT stays open so that pg_restore can load a dump; what it loads is
-- checked by credits_verify().
CREATE TRIGGER credits_account_guard BEFORE UPDATE OR DELETE ON credits_account
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_account_guard_truncate BEFORE TRUNCATE ON credits_account
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_entry_append_only BEFORE UPDATE OR DELETE ON credits_entry
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_ledger_change();
CREATE TRIGGER credits_entry_append_only_truncate BEFORE TRUNCATE ON credits_entry
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_ledger_change();

-- Views: what applications and DBAs read, scoped to credits.tenant.

CREATE VIEW credits_accounts AS
SELECT id, external_id, owner_id, name, email, unit, scale::int AS scale, balance, reserved,
       balance - reserved AS available, overdraft_limit, status, metadata, created_at, updated_at
  FROM credits_account
 WHERE tenant = credits_current_tenant();

CREATE VIEW credits_entries AS
SELECT e.seq AS id, e.transaction_id, e.account_id, a.external_id, e.type, e.amount, e.balance_after,
       e.description, e.reference, e.idempotency_key, e.metadata, e.created_at, e.available_after
  FROM credits_entry e
  JOIN credits_account a ON a.id = e.account_id
 WHERE a.tenant = credits_current_tenant();

CREATE TYPE credits_transaction AS (
    transaction_id  text,
    account_id      text,
    external_id     text,
    type            text,
    amount          numeric,
    balance         numeric,
    available       numeric,
    description     text,
    reference       text,
    idempotency_key text,
    metadata        jsonb,
    created_at      timestamptz
);

-- Functions. All are SECURITY DEFINER: a role needs only EXECUTE on them
-- (and SELECT on the views), never rights on the tables.

CREATE FUNCTION credits_create_account(
    external_id text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    unit text DEFAULT 'credits', scale int DEFAULT 0, overdraft_limit numeric DEFAULT 0,
    initial_balance numeric DEFAULT 0, owner_id text DEFAULT NULL)
RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_create_account' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_get_account(account text DEFAULT NULL) RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_get_account' LANGUAGE C STABLE SECURITY DEFINER;

CREATE FUNCTION credits_update_account(
    account text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    overdraft_limit numeric DEFAULT NULL, status text DEFAULT NULL)
RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_update_account' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_balance(
    account text DEFAULT NULL,
    OUT account_id text, OUT external_id text, OUT balance numeric, OUT reserved numeric,
    OUT available numeric, OUT unit text, OUT updated_at timestamptz)
AS 'MODULE_PATHNAME', 'credits_balance' LANGUAGE C STABLE SECURITY DEFINER;

CREATE FUNCTION credits_credit(
    account text DEFAULT NULL, amount numeric DEFAULT NULL, description text DEFAULT NULL,
    reference text DEFAULT NULL, idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS credits_transaction
AS 'MODULE_PATHNAME', 'credits_credit' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_debit(
    account text DEFAULT NULL, amount numeric DEFAULT NULL, description text DEFAULT NULL,
    reference text DEFAULT NULL, idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS credits_transaction
AS 'MODULE_PATHNAME', 'credits_debit' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_ledger(
    account text DEFAULT NULL, entry_type text DEFAULT NULL, since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL, page_size int DEFAULT 50, page_offset int DEFAULT 0)
RETURNS SETOF credits_entries
AS 'MODULE_PATHNAME', 'credits_ledger' LANGUAGE C STABLE SECURITY DEFINER;

-- Recomputes the invariants from the ledger; one row per discrepancy.
-- Without an account it checks every account of every tenant.
CREATE FUNCTION credits_verify(account text DEFAULT NULL)
RETURNS TABLE (tenant text, account_id text, external_id text, invariant text,
               expected numeric, actual numeric, detail text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, @extschema@
AS $$
WITH target AS (
    SELECT (credits_get_account(account)).id AS id WHERE account IS NOT NULL
), accounts AS (
    SELECT * FROM credits_account
     WHERE account IS NULL OR id = (SELECT id FROM target)
), entries AS (
    SELECT e.*, row_number() OVER w AS position,
           coalesce(lag(e.balance_after) OVER w, 0) AS balance_before
      FROM credits_entry e
     WHERE account IS NULL OR e.account_id = (SELECT id FROM target)
    WINDOW w AS (PARTITION BY e.account_id ORDER BY e.seq)
), totals AS (
    SELECT account_id, sum(amount) AS total, count(*) AS entries, max(seq) AS last_seq
      FROM entries GROUP BY account_id
)
SELECT a.tenant, a.id, a.external_id, 'balance_matches_ledger', coalesce(t.total, 0), a.balance,
       'balance differs from the sum of the ledger entries'
  FROM accounts a LEFT JOIN totals t ON t.account_id = a.id
 WHERE a.balance <> coalesce(t.total, 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'entry_count', coalesce(t.entries, 0), a.entry_count,
       'entry_count differs from the number of ledger entries'
  FROM accounts a LEFT JOIN totals t ON t.account_id = a.id
 WHERE a.entry_count <> coalesce(t.entries, 0)
UNION ALL
SELECT * FROM (
    SELECT DISTINCT ON (e.account_id) a.tenant, e.account_id, a.external_id, 'ledger_chain',
           CASE WHEN e.seq <> e.position THEN e.position ELSE e.balance_before + e.amount END,
           CASE WHEN e.seq <> e.position THEN e.seq ELSE e.balance_after END,
           CASE WHEN e.seq <> e.position THEN format('entry %s is missing', e.position)
                ELSE format('entry %s: balance_after is not the previous balance plus amount', e.seq) END
      FROM entries e JOIN accounts a ON a.id = e.account_id
     WHERE e.seq <> e.position OR e.balance_after <> e.balance_before + e.amount
     ORDER BY e.account_id, e.seq) broken_chain
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'reserved_matches_holds', 0, a.reserved,
       'reserved differs from the sum of pending reservations'
  FROM accounts a
 WHERE a.reserved <> 0
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'within_overdraft_limit', -a.overdraft_limit, a.balance - a.reserved,
       'available is below the negative overdraft limit'
  FROM accounts a
 WHERE a.balance - a.reserved < -a.overdraft_limit
UNION ALL
SELECT NULL, e.account_id, NULL, 'entry_has_account', NULL, NULL,
       format('%s ledger entries belong to no account', count(*))
  FROM entries e
 WHERE NOT EXISTS (SELECT 1 FROM credits_account a WHERE a.id = e.account_id)
 GROUP BY e.account_id
$$;

-- Nothing is open to PUBLIC: grant EXECUTE on the functions and SELECT on the
-- views to the roles that use credits (see README).
REVOKE ALL ON FUNCTION
    credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text),
    credits_get_account(text),
    credits_update_account(text, text, text, jsonb, numeric, text),
    credits_balance(text),
    credits_credit(text, numeric, text, text, text, jsonb),
    credits_debit(text, numeric, text, text, text, jsonb),
    credits_ledger(text, text, timestamptz, timestamptz, int, int),
    credits_verify(text)
FROM PUBLIC;
