-- credits 0.7.0: usage metering. Usage records, a versioned rate card,
-- credits_charge (price, debit and record in one call) and summaries read
-- from rollups kept in the same transaction as each record.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.7.0'" to load this file. \quit

SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- The rate card: one row per version of a (model, usage_type) price in a
-- tenant. A version never changes; a new one with a later effective_from
-- takes over. Token prices are per `per_tokens` tokens (1, 1000 or 1000000).
CREATE TABLE @extschema@.credits_price (
    id                 text COLLATE "C" PRIMARY KEY,
    tenant             text COLLATE "C" NOT NULL,
    model              text COLLATE "C" NOT NULL,
    usage_type         text COLLATE "C" NOT NULL,
    per_tokens         integer NOT NULL,
    input_price        numeric NOT NULL,
    cached_input_price numeric NOT NULL,
    cache_write_price  numeric NOT NULL,
    output_price       numeric NOT NULL,
    reasoning_price    numeric NOT NULL,
    request_price      numeric NOT NULL,
    unit_price         numeric NOT NULL,
    rounding           text NOT NULL,        -- up, half_up, down: a cost to the account's scale
    effective_from     timestamptz NOT NULL,
    description        text,
    metadata           jsonb,
    created_at         timestamptz NOT NULL,
    CONSTRAINT credits_price_version_key UNIQUE (tenant, model, usage_type, effective_from)
);

-- One row per metered call (or batch of calls). Token counts are disjoint:
-- input_tokens excludes cached ones, so each bucket is priced once.
CREATE TABLE @extschema@.credits_usage_record (
    id                  text COLLATE "C" NOT NULL,
    account_id          text COLLATE "C" NOT NULL,
    account_key         integer NOT NULL,
    model               text COLLATE "C",
    usage_type          text COLLATE "C" NOT NULL,
    endpoint            text COLLATE "C",
    context             text COLLATE "C" NOT NULL,
    input_tokens        bigint NOT NULL,
    cached_input_tokens bigint NOT NULL,
    cache_write_tokens  bigint NOT NULL,
    output_tokens       bigint NOT NULL,
    reasoning_tokens    bigint NOT NULL,
    units               numeric NOT NULL,    -- images, seconds, ...: what unit_price prices
    requests            integer NOT NULL,
    success             boolean NOT NULL,
    cost                numeric,             -- credits consumed, exact (NULL: not known)
    charged             numeric,             -- what credits_charge debited, at the account's scale
    price_id            text COLLATE "C",    -- the price version that priced it
    transaction_id      text COLLATE "C",    -- the debit or confirm that paid for it
    reservation_id      text COLLATE "C",
    description         text,
    metadata            jsonb,
    idempotency_key     text COLLATE "C",
    occurred_at         timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX credits_usage_record_idempotency_key ON @extschema@.credits_usage_record (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX credits_usage_record_time_idx ON @extschema@.credits_usage_record (account_id, occurred_at);

-- Sums of an account's usage per UTC quarter-hour and per UTC day (span),
-- and dimension. Every time zone in use today is a whole number of
-- quarter-hours off UTC, so a day, a month or a year in any of them is a
-- whole number of quarter-hours; a summary reads the days that lie within
-- one of its periods whole, and the quarter-hours of the others.
-- Dimensions that a record leaves NULL are '' here.
CREATE TABLE @extschema@.credits_usage_rollup (
    account_id          text COLLATE "C" NOT NULL,
    account_key         integer NOT NULL,
    span                interval NOT NULL,  -- 00:15:00 or 1 day
    bucket              timestamptz NOT NULL,
    model               text COLLATE "C" NOT NULL,
    usage_type          text COLLATE "C" NOT NULL,
    endpoint            text COLLATE "C" NOT NULL,
    context             text COLLATE "C" NOT NULL,
    records             bigint NOT NULL,
    requests            bigint NOT NULL,
    successful_requests bigint NOT NULL,
    failed_requests     bigint NOT NULL,
    input_tokens        bigint NOT NULL,
    cached_input_tokens bigint NOT NULL,
    cache_write_tokens  bigint NOT NULL,
    output_tokens       bigint NOT NULL,
    reasoning_tokens    bigint NOT NULL,
    units               numeric NOT NULL,
    cost                numeric NOT NULL,
    charged             numeric NOT NULL,
    PRIMARY KEY (account_id, span, bucket, model, usage_type, endpoint, context)
) WITH (fillfactor = 70);                  -- room for HOT updates of the sums

-- How far back each tenant's usage records were pruned (their rollups stay).
CREATE TABLE @extschema@.credits_usage_horizon (
    tenant        text COLLATE "C" PRIMARY KEY,
    pruned_before timestamptz NOT NULL,
    pruned_at     timestamptz NOT NULL
);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_price', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_usage_record', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_usage_rollup', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_usage_horizon', '');

-- Only credits writes these (INSERT stays open for pg_restore; what a
-- restore loads is checked by credits_verify()). credits_prune_usage() is
-- the one writer that deletes usage records.
CREATE TRIGGER credits_price_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_price
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_price_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_price
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_usage_record_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_usage_record
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_usage_record_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_usage_record
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_usage_rollup_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_usage_rollup
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_usage_rollup_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_usage_rollup
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();

-- Results.
CREATE TYPE @extschema@.credits_usage_result AS (
    id                  text,
    account_id          text,
    external_id         text,
    model               text,
    usage_type          text,
    endpoint            text,
    context             text,
    input_tokens        bigint,
    cached_input_tokens bigint,
    cache_write_tokens  bigint,
    output_tokens       bigint,
    reasoning_tokens    bigint,
    units               numeric,
    requests            integer,
    success             boolean,
    cost                numeric,
    charged             numeric,
    unit                text,
    price_id            text,
    transaction_id      text,
    reservation_id      text,
    description         text,
    metadata            jsonb,
    idempotency_key     text,
    occurred_at         timestamptz,
    created_at          timestamptz,
    balance             numeric,             -- the account's, right after this call
    available           numeric,
    replayed            boolean
);

CREATE TYPE @extschema@.credits_price_version AS (
    id                 text,
    model              text,
    usage_type         text,
    per_tokens         integer,
    input_price        numeric,
    cached_input_price numeric,
    cache_write_price  numeric,
    output_price       numeric,
    reasoning_price    numeric,
    request_price      numeric,
    unit_price         numeric,
    rounding           text,
    effective_from     timestamptz,
    effective_until    timestamptz,
    description        text,
    metadata           jsonb,
    created_at         timestamptz
);

-- credits_apply reports the usage record an operation made.
ALTER TYPE @extschema@.credits_apply_result ADD ATTRIBUTE usage_id text;

-- Functions.
CREATE FUNCTION @extschema@.credits_record_usage(
    account text DEFAULT NULL, model text DEFAULT NULL, usage_type text DEFAULT 'text', endpoint text DEFAULT NULL,
    context text DEFAULT 'customer', input_tokens bigint DEFAULT 0, cached_input_tokens bigint DEFAULT 0,
    cache_write_tokens bigint DEFAULT 0, output_tokens bigint DEFAULT 0, reasoning_tokens bigint DEFAULT 0,
    units numeric DEFAULT 0, requests integer DEFAULT 1, success boolean DEFAULT true, cost numeric DEFAULT NULL,
    transaction text DEFAULT NULL, reservation text DEFAULT NULL, description text DEFAULT NULL,
    metadata jsonb DEFAULT NULL, occurred_at timestamptz DEFAULT NULL, idempotency_key text DEFAULT NULL)
RETURNS @extschema@.credits_usage_result
    AS 'MODULE_PATHNAME', 'credits_record_usage' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_charge(
    account text DEFAULT NULL, model text DEFAULT NULL, usage_type text DEFAULT 'text', input_tokens bigint DEFAULT 0,
    cached_input_tokens bigint DEFAULT 0, cache_write_tokens bigint DEFAULT 0, output_tokens bigint DEFAULT 0,
    reasoning_tokens bigint DEFAULT 0, units numeric DEFAULT 0, requests integer DEFAULT 1,
    idempotency_key text DEFAULT NULL, reservation text DEFAULT NULL, endpoint text DEFAULT NULL,
    context text DEFAULT 'customer', success boolean DEFAULT true, description text DEFAULT NULL,
    reference text DEFAULT NULL, metadata jsonb DEFAULT NULL, occurred_at timestamptz DEFAULT NULL,
    on_excess text DEFAULT 'reject')
RETURNS @extschema@.credits_usage_result
    AS 'MODULE_PATHNAME', 'credits_charge' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_set_price(
    model text DEFAULT NULL, usage_type text DEFAULT 'text', input_price numeric DEFAULT 0,
    cached_input_price numeric DEFAULT NULL, cache_write_price numeric DEFAULT NULL, output_price numeric DEFAULT 0,
    reasoning_price numeric DEFAULT NULL, request_price numeric DEFAULT 0, unit_price numeric DEFAULT 0,
    per_tokens integer DEFAULT 1000000, rounding text DEFAULT 'up', effective_from timestamptz DEFAULT NULL,
    description text DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS @extschema@.credits_price_version
    AS 'MODULE_PATHNAME', 'credits_set_price' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_quote(
    account text DEFAULT NULL, model text DEFAULT NULL, usage_type text DEFAULT 'text', input_tokens bigint DEFAULT 0,
    cached_input_tokens bigint DEFAULT 0, cache_write_tokens bigint DEFAULT 0, output_tokens bigint DEFAULT 0,
    reasoning_tokens bigint DEFAULT 0, units numeric DEFAULT 0, requests integer DEFAULT 1,
    at timestamptz DEFAULT NULL)
RETURNS TABLE (cost numeric, amount numeric, unit text, scale integer, rounding text, price_id text,
               effective_from timestamptz)
    AS 'MODULE_PATHNAME', 'credits_quote' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_list_usage(
    account text DEFAULT NULL, context text DEFAULT NULL, model text DEFAULT NULL, since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL, page_size integer DEFAULT 50, page_offset integer DEFAULT 0)
RETURNS SETOF @extschema@.credits_usage_result
    AS 'MODULE_PATHNAME', 'credits_list_usage' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_usage_summary(
    account text DEFAULT NULL, period text DEFAULT 'month', since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL, group_by text[] DEFAULT '{}', time_zone text DEFAULT 'UTC',
    context text DEFAULT NULL, model text DEFAULT NULL)
RETURNS TABLE (period_start timestamptz, period_end timestamptz, model text, usage_type text, endpoint text,
               context text, total_requests bigint, successful_requests bigint, failed_requests bigint,
               input_tokens bigint, cached_input_tokens bigint, cache_write_tokens bigint, output_tokens bigint,
               reasoning_tokens bigint, units numeric, credits_consumed numeric, credits_charged numeric,
               records bigint, requests_by_endpoint jsonb)
    AS 'MODULE_PATHNAME', 'credits_usage_summary' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_account_summary(account text DEFAULT NULL, time_zone text DEFAULT 'UTC')
RETURNS TABLE (account_id text, external_id text, name text, status text, unit text, scale integer,
               balance numeric, reserved numeric, available numeric, plan_id text, plan_code text, plan_name text,
               current_period_start timestamptz, current_period_end timestamptz, usage_this_month jsonb,
               total_requests bigint, successful_requests bigint, failed_requests bigint,
               credits_consumed numeric, created_at timestamptz, last_activity_at timestamptz)
    AS 'MODULE_PATHNAME', 'credits_account_summary' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_prune_usage(before timestamptz DEFAULT NULL)
RETURNS bigint
    AS 'MODULE_PATHNAME', 'credits_prune_usage' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION
    @extschema@.credits_record_usage(text, text, text, text, text, bigint, bigint, bigint, bigint, bigint, numeric,
                                     integer, boolean, numeric, text, text, text, jsonb, timestamptz, text),
    @extschema@.credits_charge(text, text, text, bigint, bigint, bigint, bigint, bigint, numeric, integer, text, text,
                               text, text, boolean, text, text, jsonb, timestamptz, text),
    @extschema@.credits_set_price(text, text, numeric, numeric, numeric, numeric, numeric, numeric, numeric, integer,
                                  text, timestamptz, text, jsonb),
    @extschema@.credits_quote(text, text, text, bigint, bigint, bigint, bigint, bigint, numeric, integer, timestamptz),
    @extschema@.credits_list_usage(text, text, text, timestamptz, timestamptz, integer, integer),
    @extschema@.credits_usage_summary(text, text, timestamptz, timestamptz, text[], text, text, text),
    @extschema@.credits_account_summary(text, text),
    @extschema@.credits_prune_usage(timestamptz)
    FROM PUBLIC;

-- Views.
CREATE VIEW @extschema@.credits_usage WITH (security_barrier) AS
SELECT u.id, u.account_id, a.external_id, u.model, u.usage_type, u.endpoint, u.context, u.input_tokens,
       u.cached_input_tokens, u.cache_write_tokens, u.output_tokens, u.reasoning_tokens, u.units, u.requests,
       u.success, u.cost, u.charged, a.unit, u.price_id, u.transaction_id, u.reservation_id, u.description,
       u.metadata, u.idempotency_key, u.occurred_at, u.created_at
  FROM @extschema@.credits_usage_record u
  JOIN @extschema@.credits_account a ON a.id = u.account_id AND a.account_key = u.account_key
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE VIEW @extschema@.credits_prices WITH (security_barrier) AS
SELECT p.id, p.model, p.usage_type, p.per_tokens, p.input_price, p.cached_input_price, p.cache_write_price,
       p.output_price, p.reasoning_price, p.request_price, p.unit_price, p.rounding, p.effective_from,
       (SELECT min(n.effective_from) FROM @extschema@.credits_price n
         WHERE n.tenant = p.tenant AND n.model = p.model AND n.usage_type = p.usage_type
           AND n.effective_from > p.effective_from) AS effective_until,
       p.description, p.metadata, p.created_at
  FROM @extschema@.credits_price p
 WHERE p.tenant = (SELECT @extschema@.credits_current_tenant());

-- On Citus: the twins of the functions that write usage (routing.h).
CREATE FUNCTION @extschema@.credits_record_usage_on_shard(
    account_key integer, tenant text, at timestamptz, account text, model text, usage_type text, endpoint text,
    context text, input_tokens bigint, cached_input_tokens bigint, cache_write_tokens bigint, output_tokens bigint,
    reasoning_tokens bigint, units numeric, requests integer, success boolean, cost numeric, transaction text,
    reservation text, description text, metadata jsonb, occurred_at timestamptz, idempotency_key text)
RETURNS @extschema@.credits_usage_result
    AS 'MODULE_PATHNAME', 'credits_record_usage' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_charge_on_shard(
    account_key integer, tenant text, at timestamptz, account text, model text, usage_type text, input_tokens bigint,
    cached_input_tokens bigint, cache_write_tokens bigint, output_tokens bigint, reasoning_tokens bigint,
    units numeric, requests integer, idempotency_key text, reservation text, endpoint text, context text,
    success boolean, description text, reference text, metadata jsonb, occurred_at timestamptz, on_excess text)
RETURNS @extschema@.credits_usage_result
    AS 'MODULE_PATHNAME', 'credits_charge' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_prune_usage_on_shard(
    account_key integer, tenant text, at timestamptz, before timestamptz)
RETURNS bigint
    AS 'MODULE_PATHNAME', 'credits_prune_usage' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION
    @extschema@.credits_prune_usage_on_shard(integer, text, timestamptz, timestamptz),
    @extschema@.credits_record_usage_on_shard(integer, text, timestamptz, text, text, text, text, text, bigint, bigint,
                                              bigint, bigint, bigint, numeric, integer, boolean, numeric, text, text,
                                              text, jsonb, timestamptz, text),
    @extschema@.credits_charge_on_shard(integer, text, timestamptz, text, text, text, bigint, bigint, bigint, bigint,
                                        bigint, numeric, integer, text, text, text, text, boolean, text, text, jsonb,
                                        timestamptz, text)
    FROM PUBLIC;

-- Roles that hold an access set get what it now includes (roles.cpp).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT s.role::text AS role, s.access FROM @extschema@.credits_access_set s LOOP
        EXECUTE pg_catalog.format('GRANT SELECT ON @extschema@.credits_usage, @extschema@.credits_prices TO %s',
                                  r.role);
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION @extschema@.credits_quote(text, text, text, bigint, bigint, bigint, bigint,'
            ' bigint, numeric, integer, timestamptz), @extschema@.credits_list_usage(text, text, text, timestamptz,'
            ' timestamptz, integer, integer), @extschema@.credits_usage_summary(text, text, timestamptz,'
            ' timestamptz, text[], text, text, text), @extschema@.credits_account_summary(text, text) TO %s', r.role);
        IF r.access OPERATOR(pg_catalog.<>) 'read' THEN
            EXECUTE pg_catalog.format(
                'GRANT EXECUTE ON FUNCTION @extschema@.credits_record_usage(text, text, text, text, text, bigint,'
                ' bigint, bigint, bigint, bigint, numeric, integer, boolean, numeric, text, text, text, jsonb,'
                ' timestamptz, text), @extschema@.credits_charge(text, text, text, bigint, bigint, bigint, bigint,'
                ' bigint, numeric, integer, text, text, text, text, boolean, text, text, jsonb, timestamptz, text)'
                ' TO %s', r.role);
        END IF;
        IF r.access OPERATOR(pg_catalog.=) 'admin' THEN
            EXECUTE pg_catalog.format(
                'GRANT EXECUTE ON FUNCTION @extschema@.credits_set_price(text, text, numeric, numeric, numeric,'
                ' numeric, numeric, numeric, numeric, integer, text, timestamptz, text, jsonb),'
                ' @extschema@.credits_prune_usage(timestamptz) TO %s', r.role);
        END IF;
    END LOOP;
END $$;

-- What \d+, \df+ and obj_description() say of them.
COMMENT ON TABLE @extschema@.credits_usage_record IS
    'Usage records: one row per metered call or batch of calls. Write with credits_record_usage or credits_charge.';
COMMENT ON TABLE @extschema@.credits_usage_rollup IS
    'Sums of each account''s usage per UTC quarter-hour and UTC day and dimension, kept in the same transaction as '
    'the records.';
COMMENT ON TABLE @extschema@.credits_price IS
    'The rate card: versions of (model, usage_type) prices per tenant. Write with credits_set_price.';
COMMENT ON TABLE @extschema@.credits_usage_horizon IS
    'How far back credits_prune_usage removed each tenant''s usage records (their rollups stay).';
COMMENT ON VIEW @extschema@.credits_usage IS 'Usage records of the current tenant.';
COMMENT ON VIEW @extschema@.credits_prices IS 'The rate card of the current tenant: every price version.';
COMMENT ON FUNCTION @extschema@.credits_record_usage(text, text, text, text, text, bigint, bigint, bigint, bigint,
    bigint, numeric, integer, boolean, numeric, text, text, text, jsonb, timestamptz, text) IS
    'Records usage of an account (tokens in disjoint buckets, requests, units, cost). Idempotent per key. '
    'Errors: CR002, CR003, CR004, CR007, CR008, CR009, CR012, CR023.';
COMMENT ON FUNCTION @extschema@.credits_charge(text, text, text, bigint, bigint, bigint, bigint, bigint, numeric,
    integer, text, text, text, text, boolean, text, text, jsonb, timestamptz, text) IS
    'Prices usage by the rate card, debits it (or settles the given reservation with it) and records it, in one '
    'transaction. Idempotent per key. Errors: CR001, CR002, CR003, CR004, CR005, CR006, CR007, CR008, CR012, CR021, CR023.';
COMMENT ON FUNCTION @extschema@.credits_set_price(text, text, numeric, numeric, numeric, numeric, numeric, numeric,
    numeric, integer, text, timestamptz, text, jsonb) IS
    'Adds a version of a model''s price (per 1, 1000 or 1000000 tokens) from effective_from on. '
    'Errors: CR008, CR012, CR022.';
COMMENT ON FUNCTION @extschema@.credits_quote(text, text, text, bigint, bigint, bigint, bigint, bigint, numeric,
    integer, timestamptz) IS
    'The cost of usage by the rate card, and the amount a charge would debit on the account. Errors: CR002, CR012, CR021.';
COMMENT ON FUNCTION @extschema@.credits_list_usage(text, text, text, timestamptz, timestamptz, integer, integer) IS
    'Usage records of an account (or of the tenant), newest first, a page at a time. Errors: CR002, CR012.';
COMMENT ON FUNCTION @extschema@.credits_usage_summary(text, text, timestamptz, timestamptz, text[], text, text,
    text) IS
    'Usage per period (hour, day, week, month, year) in a time zone, optionally grouped by model, usage_type, '
    'endpoint and context, read from the rollups. Errors: CR002, CR012.';
COMMENT ON FUNCTION @extschema@.credits_account_summary(text, text) IS
    'An account with its balance, plan, usage this month and usage in all. Errors: CR002, CR012.';
COMMENT ON FUNCTION @extschema@.credits_prune_usage(timestamptz) IS
    'Deletes the tenant''s usage records older than before (at least 35 days ago); summaries keep them. Errors: CR012.';
COMMENT ON TYPE @extschema@.credits_usage_result IS
    'A usage record as credits_record_usage, credits_charge and credits_list_usage return it, with the account''s '
    'balance and available right after the call and whether it was a replay.';
COMMENT ON TYPE @extschema@.credits_price_version IS
    'A version of a price as credits_set_price returns it, with when the next version takes over.';
-- (0.6.0 objects that had none.)
COMMENT ON FUNCTION @extschema@.credits_key_in_id(text) IS
    'The account key an id carries in its last 32 bits (internal, for credits_distribute).';
COMMENT ON TABLE @extschema@.credits_legacy_id IS
    'Ids made before 0.6.0, which carry no account key, and the key of their account (filled by credits_distribute).';
