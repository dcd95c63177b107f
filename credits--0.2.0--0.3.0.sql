-- credits 0.3.0: reversals, transfers, adjustments, account lifecycle, batches.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.3.0'" to load this file. \quit

-- A transfer's entries name the other account; a reversal's names the
-- transaction it undoes (and the index finds the reversals of one).
ALTER TABLE credits_entry
    ADD COLUMN counterparty_id text COLLATE "C",
    ADD COLUMN reverses text COLLATE "C";
CREATE INDEX credits_entry_reverses_idx ON credits_entry (reverses) WHERE reverses IS NOT NULL;

-- Every status change, when and why.
CREATE TABLE credits_status_change (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  text COLLATE "C" NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    reason      text,
    changed_at  timestamptz NOT NULL
);
CREATE INDEX credits_status_change_account_idx ON credits_status_change (account_id, id);
SELECT pg_catalog.pg_extension_config_dump('credits_status_change', '');
SELECT pg_catalog.pg_extension_config_dump('credits_status_change_id_seq', '');

CREATE TRIGGER credits_status_change_guard BEFORE UPDATE OR DELETE ON credits_status_change
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_ledger_change();
CREATE TRIGGER credits_status_change_guard_truncate BEFORE TRUNCATE ON credits_status_change
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_ledger_change();

CREATE OR REPLACE VIEW credits_entries AS
SELECT e.seq AS id, e.transaction_id, e.account_id, a.external_id, e.type, e.amount, e.balance_after,
       e.description, e.reference, e.idempotency_key, e.metadata, e.created_at, e.available_after, e.reservation_id,
       e.counterparty_id, e.reverses,
       (SELECT sum(abs(r.amount)) FROM credits_entry r
         WHERE r.reverses = e.transaction_id AND r.account_id = e.account_id) AS reversed_amount
  FROM credits_entry e
  JOIN credits_account a ON a.id = e.account_id
 WHERE a.tenant = credits_current_tenant();

CREATE VIEW credits_status_history AS
SELECT c.id, c.account_id, a.external_id, c.from_status, c.to_status, c.reason, c.changed_at
  FROM credits_status_change c
  JOIN credits_account a ON a.id = c.account_id
 WHERE a.tenant = credits_current_tenant();

CREATE TYPE credits_reversal AS (
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
    created_at      timestamptz,
    reverses        text
);

CREATE TYPE credits_transfer_result AS (
    transaction_id   text,
    from_account_id  text,
    from_external_id text,
    to_account_id    text,
    to_external_id   text,
    amount           numeric,
    from_balance     numeric,
    from_available   numeric,
    to_balance       numeric,
    to_available     numeric,
    description      text,
    reference        text,
    idempotency_key  text,
    metadata         jsonb,
    created_at       timestamptz
);

CREATE TYPE credits_apply_result AS (
    index          int,
    ok             boolean,
    sqlstate       text,
    message        text,
    transaction_id text,
    reservation_id text,
    balance        numeric,
    available      numeric
);

CREATE FUNCTION credits_reverse(
    transaction text DEFAULT NULL, amount numeric DEFAULT NULL, reason text DEFAULT NULL,
    idempotency_key text DEFAULT NULL, force boolean DEFAULT false)
RETURNS credits_reversal
AS 'MODULE_PATHNAME', 'credits_reverse' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_adjust(
    account text DEFAULT NULL, amount numeric DEFAULT NULL, reason text DEFAULT NULL,
    idempotency_key text DEFAULT NULL)
RETURNS credits_transaction
AS 'MODULE_PATHNAME', 'credits_adjust' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_transfer(
    from_account text DEFAULT NULL, to_account text DEFAULT NULL, amount numeric DEFAULT NULL,
    description text DEFAULT NULL, reference text DEFAULT NULL, idempotency_key text DEFAULT NULL,
    metadata jsonb DEFAULT NULL)
RETURNS credits_transfer_result
AS 'MODULE_PATHNAME', 'credits_transfer' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_freeze(account text DEFAULT NULL, reason text DEFAULT NULL) RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_freeze' LANGUAGE C VOLATILE SECURITY DEFINER;
CREATE FUNCTION credits_unfreeze(account text DEFAULT NULL, reason text DEFAULT NULL) RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_unfreeze' LANGUAGE C VOLATILE SECURITY DEFINER;
CREATE FUNCTION credits_close(account text DEFAULT NULL, reason text DEFAULT NULL) RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_close' LANGUAGE C VOLATILE SECURITY DEFINER;
CREATE FUNCTION credits_reopen(account text DEFAULT NULL, reason text DEFAULT NULL) RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_reopen' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_apply(ops jsonb DEFAULT NULL, atomic boolean DEFAULT true)
RETURNS SETOF credits_apply_result
AS 'MODULE_PATHNAME', 'credits_apply' LANGUAGE C VOLATILE SECURITY DEFINER;

REVOKE ALL ON FUNCTION
    credits_reverse(text, numeric, text, text, boolean),
    credits_adjust(text, numeric, text, text),
    credits_transfer(text, text, numeric, text, text, text, jsonb),
    credits_freeze(text, text),
    credits_unfreeze(text, text),
    credits_close(text, text),
    credits_reopen(text, text),
    credits_apply(jsonb, boolean)
FROM PUBLIC;
