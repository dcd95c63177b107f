-- credits 0.2.0: reservations (holds) for calls whose cost is known afterwards.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.2.0'" to load this file. \quit

-- No pending hold of the account expires before this; NULL: no pending hold.
-- Touching an account at or after it releases the expired holds first.
ALTER TABLE credits_account ADD COLUMN next_hold_expiry timestamptz;

-- A confirm's debit names its hold; forced: a debit explicitly allowed past
-- the overdraft limit (confirm with on_excess => 'allow').
ALTER TABLE credits_entry
    ADD COLUMN reservation_id text COLLATE "C",
    ADD COLUMN forced boolean NOT NULL DEFAULT false;

CREATE TABLE credits_reservation (
    id               text COLLATE "C" PRIMARY KEY,
    account_id       text COLLATE "C" NOT NULL,
    amount           numeric NOT NULL,        -- held
    status           text NOT NULL,           -- pending, confirmed, cancelled, expired
    expires_at       timestamptz NOT NULL,
    description      text,
    reference        text,
    idempotency_key  text COLLATE "C",
    metadata         jsonb,
    created_at       timestamptz NOT NULL,
    resolved_at      timestamptz,
    requested_amount numeric,                 -- what the confirm asked for
    confirmed_amount numeric,                 -- what it debited
    released_amount  numeric,                 -- what went back to available
    transaction_id   text COLLATE "C",        -- the confirm's debit
    balance_after    numeric NOT NULL,        -- the account right after the hold was placed
    available_after  numeric NOT NULL
);

CREATE UNIQUE INDEX credits_reservation_idempotency_key ON credits_reservation (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Pending holds by account and expiry: lazy expiry reads an account's, the
-- sweeper all of them (few: holds are short-lived).
CREATE INDEX credits_reservation_pending_idx ON credits_reservation (account_id, expires_at)
    WHERE status = 'pending';

SELECT pg_catalog.pg_extension_config_dump('credits_reservation', '');

CREATE TRIGGER credits_reservation_guard BEFORE UPDATE OR DELETE ON credits_reservation
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_reservation_guard_truncate BEFORE TRUNCATE ON credits_reservation
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();

-- Holds past their expiry never count, whether or not anything has released
-- them yet.
CREATE OR REPLACE VIEW credits_accounts AS
SELECT a.id, a.external_id, a.owner_id, a.name, a.email, a.unit, a.scale::int AS scale, a.balance, h.reserved,
       a.balance - h.reserved AS available, a.overdraft_limit, a.status, a.metadata, a.created_at, a.updated_at
  FROM credits_account a
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.next_hold_expiry <= now()
                   THEN round((SELECT coalesce(sum(r.amount), 0) FROM credits_reservation r
                                WHERE r.account_id = a.id AND r.status = 'pending' AND r.expires_at > now()),
                              a.scale)
                   ELSE a.reserved END AS reserved) h
 WHERE a.tenant = credits_current_tenant();

CREATE OR REPLACE VIEW credits_entries AS
SELECT e.seq AS id, e.transaction_id, e.account_id, a.external_id, e.type, e.amount, e.balance_after,
       e.description, e.reference, e.idempotency_key, e.metadata, e.created_at, e.available_after, e.reservation_id
  FROM credits_entry e
  JOIN credits_account a ON a.id = e.account_id
 WHERE a.tenant = credits_current_tenant();

CREATE VIEW credits_reservations AS
SELECT r.id, r.account_id, a.external_id, r.amount,
       CASE WHEN x.lapsed THEN 'expired' ELSE r.status END AS status, r.expires_at, r.description, r.reference,
       r.metadata, r.created_at,
       CASE WHEN x.lapsed THEN r.expires_at ELSE r.resolved_at END AS resolved_at,
       r.requested_amount, r.confirmed_amount,
       CASE WHEN x.lapsed THEN r.amount ELSE r.released_amount END AS released_amount,
       r.transaction_id, r.idempotency_key
  FROM credits_reservation r
  JOIN credits_account a ON a.id = r.account_id
 CROSS JOIN LATERAL (SELECT r.status = 'pending' AND r.expires_at <= now() AS lapsed) x
 WHERE a.tenant = credits_current_tenant();

CREATE TYPE credits_reservation_result AS (
    id          text,
    account_id  text,
    external_id text,
    amount      numeric,
    status      text,
    expires_at  timestamptz,
    description text,
    reference   text,
    metadata    jsonb,
    created_at  timestamptz,
    balance     numeric,
    reserved    numeric,
    available   numeric
);

CREATE TYPE credits_confirmation AS (
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
    reservation_id  text,
    released        numeric
);

CREATE FUNCTION credits_reserve(
    account text DEFAULT NULL, amount numeric DEFAULT NULL, expires_in interval DEFAULT '15 minutes',
    expires_at timestamptz DEFAULT NULL, description text DEFAULT NULL, reference text DEFAULT NULL,
    idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS credits_reservation_result
AS 'MODULE_PATHNAME', 'credits_reserve' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_confirm(
    reservation text DEFAULT NULL, amount numeric DEFAULT NULL, description text DEFAULT NULL,
    metadata jsonb DEFAULT NULL, on_excess text DEFAULT 'reject')
RETURNS credits_confirmation
AS 'MODULE_PATHNAME', 'credits_confirm' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_cancel(reservation text DEFAULT NULL) RETURNS credits_reservation_result
AS 'MODULE_PATHNAME', 'credits_cancel' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_extend_reservation(reservation text DEFAULT NULL, expires_in interval DEFAULT NULL)
RETURNS credits_reservation_result
AS 'MODULE_PATHNAME', 'credits_extend_reservation' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_expire_reservations(max int DEFAULT 1000) RETURNS int
AS 'MODULE_PATHNAME', 'credits_expire_reservations' LANGUAGE C VOLATILE SECURITY DEFINER;

-- The checks now live in the library, next to the code whose invariants they
-- recompute.
CREATE OR REPLACE FUNCTION credits_verify(account text DEFAULT NULL)
RETURNS TABLE (tenant text, account_id text, external_id text, invariant text,
               expected numeric, actual numeric, detail text)
AS 'MODULE_PATHNAME', 'credits_verify' LANGUAGE C STABLE SECURITY DEFINER;
ALTER FUNCTION credits_verify(text) RESET ALL;

REVOKE ALL ON FUNCTION
    credits_reserve(text, numeric, interval, timestamptz, text, text, text, jsonb),
    credits_confirm(text, numeric, text, jsonb, text),
    credits_cancel(text),
    credits_extend_reservation(text, interval),
    credits_expire_reservations(int)
FROM PUBLIC;
