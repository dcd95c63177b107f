-- credits 0.6.0: the account key, so that credits can be distributed with
-- Citus: every row of an account carries it, and every id made for it.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.6.0'" to load this file. \quit

SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- 32 bits of a hash of (tenant, external_id): fixed when an account is made,
-- the same on every platform and version.
CREATE FUNCTION @extschema@.credits_account_key(tenant text, external_id text) RETURNS integer
    AS 'MODULE_PATHNAME', 'credits_account_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.credits_account_key(text, text) IS
    'The account key of (tenant, external_id): the distribution column of credits'' tables on Citus.';

-- Existing rows get their account's key as their tables are rewritten once
-- (ALTER COLUMN TYPE ... USING: no dead rows, unlike an UPDATE).
CREATE FUNCTION @extschema@.credits_key_of_account(account_id text) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.account_key FROM @extschema@.credits_account a WHERE a.id OPERATOR(pg_catalog.=) account_id
$$;

ALTER TABLE @extschema@.credits_account ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_account ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_account_key(tenant, external_id);
ALTER TABLE @extschema@.credits_account ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_entry ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_entry ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_entry ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_reservation ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_reservation ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_reservation ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_grant ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_grant ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_grant ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_subscription ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_subscription ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_subscription ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_status_change ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_status_change ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_status_change ALTER COLUMN account_key SET NOT NULL;

DROP FUNCTION @extschema@.credits_key_of_account(text);
