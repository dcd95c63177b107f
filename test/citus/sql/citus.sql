-- What only Citus has: the distribution itself, where calls run, the shells,
-- the twins, roles and views across nodes, usage across shards, ids from
-- before 0.6.0.
\i sql/include/setup.sql

-- credits_distribute() did it all; again, it finds nothing to do.
SELECT :distributed > 0 AS distributed;
SELECT count(*) AS again FROM credits_distribute();
SELECT c.relname, p.partmethod, p.colocationid = (SELECT colocationid FROM pg_dist_partition
                                                   WHERE logicalrelid = 'credits_account'::regclass) AS colocated
  FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
 WHERE c.relname LIKE 'credits\_%' ORDER BY 1;
-- Every unique key holds the distribution column.
SELECT i.indexrelid::regclass AS unique_key FROM pg_index i
 WHERE i.indisunique AND i.indrelid::regclass::text IN ('credits_account', 'credits_entry', 'credits_reservation',
                                                        'credits_grant', 'credits_subscription', 'credits_status_change',
                                                        'credits_usage_record', 'credits_usage_rollup')
   AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'account_key'
                                                AND a.attnum = ANY (i.indkey));
SELECT count(*) AS delegated_twins FROM pg_dist_object o JOIN pg_proc p ON p.oid = o.objid
 WHERE o.classid = 'pg_proc'::regclass AND p.proname LIKE 'credits\_%\_on\_shard' AND o.force_delegation;

-- Accounts on every shard; each lands on the shard of its key.
SELECT count(*) FROM generate_series(1, 12) i, LATERAL credits_create_account('c' || i, initial_balance => 100) a;
SELECT count(DISTINCT get_shard_id_for_distribution_column('credits_account', account_key)) > 1 AS spread,
       bool_and(account_key = credits_account_key(tenant, external_id)) AS keyed
  FROM credits_account;

-- The twins: only for the owner, and only with a key whose shard is on the
-- node that runs them.
SELECT left(pg_temp.fails($$SELECT * FROM credits_create_account_on_shard(
    (SELECT min(k) FROM generate_series(0, 1000) k
      WHERE get_shard_id_for_distribution_column('credits_account', k)
            <> get_shard_id_for_distribution_column('credits_account', credits_account_key('default', 'zed'))),
    'default', now(), 'zed')$$), 46) AS elsewhere;
CREATE ROLE citus_app LOGIN;
SELECT count(*) > 0 AS granted FROM credits_grant_access('citus_app', 'app');
SET ROLE citus_app;
SELECT pg_temp.fails($$SELECT credits_debit_on_shard(0, 'default', now(), 'c1', 1)$$);
SELECT pg_temp.fails($$SELECT * FROM credits_distribute()$$);
-- The role reads the views through the functions they read, in its tenant.
SELECT count(*) AS accounts, sum(balance) AS balance FROM credits_accounts;
SELECT external_id, balance FROM credits_debit('c1', 1);
SELECT type, amount FROM credits_entries WHERE external_id = 'c1' ORDER BY id;
SELECT pg_temp.fails($$SELECT * FROM credits_accounts_across_shards$$);
RESET ROLE;

-- A role bound to a tenant, on the coordinator.
CREATE ROLE citus_acme LOGIN;
SELECT count(*) > 0 AS granted FROM credits_grant_access('citus_acme', 'app');
SELECT role, tenant FROM credits_bind_role('citus_acme', 'acme');
RESET credits.tenant;
SET ROLE citus_acme;
SELECT external_id, balance FROM credits_create_account('acme_1', initial_balance => 5);
SELECT external_id FROM credits_accounts;
SELECT pg_temp.fails($$SELECT credits_debit('c1', 1)$$);
SELECT pg_temp.fails($$SELECT set_config('credits.tenant', 'default', false)$$);
RESET ROLE;
SET credits.tenant = 'default';

-- Read-only transactions are refused before anything is forwarded.
BEGIN READ ONLY;
SELECT pg_temp.fails($$SELECT credits_debit('c2', 1)$$);
ROLLBACK;
SET default_transaction_read_only = on;
SELECT pg_temp.fails($$SELECT credits_debit('c2', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('c2', 'c3', 1)$$);
SELECT pg_temp.fails($$SELECT credits_apply('[{"op": "debit", "account": "c2", "amount": 1}]')$$);
RESET default_transaction_read_only;
SELECT balance FROM credits_balance('c2');

-- A credits call inside a query that Citus splits across shards would run
-- once per shard: refused.
CREATE TABLE citus_orders (order_id int PRIMARY KEY, customer text);
SELECT create_distributed_table('citus_orders', 'order_id');
-- Two orders of c4's, on two shards.
INSERT INTO citus_orders
SELECT min(i), 'c4' FROM generate_series(1, 100) i GROUP BY get_shard_id_for_distribution_column('citus_orders', i)
 ORDER BY 1 LIMIT 2;
SELECT count(*) FROM credits_credit((SELECT customer FROM citus_orders WHERE customer = 'c4'), 1);
SELECT balance FROM credits_balance('c4');
DROP TABLE citus_orders;

-- One transaction, one moment, on every node.
BEGIN;
SELECT created_at = now() AS now FROM credits_debit('c5', 1);
SELECT created_at = now() AS now FROM credits_transfer('c5', 'c6', 1);
SELECT count(DISTINCT created_at) AS moments FROM credits_entries WHERE external_id IN ('c5', 'c6') AND type <> 'credit';
COMMIT;

-- The status history draws its ids from each node's range.
SELECT status FROM credits_freeze('c7', 'test');
SELECT status FROM credits_unfreeze('c7');
SELECT count(*) AS changes, count(DISTINCT id) AS ids FROM credits_status_history WHERE external_id = 'c7';

-- The coordinator's scheduler does the due work of every shard, each on its
-- node: a hold lapses and is written down with no call.
\set ECHO none
SELECT format('ALTER SYSTEM SET credits.scheduler_database = %L', current_database()) \gexec
\set ECHO all
ALTER SYSTEM SET credits.scheduler_interval = 1;
SELECT pg_reload_conf();
SELECT count(*) AS held FROM generate_series(8, 11) i,
       LATERAL credits_reserve('c' || i, 1, expires_in => '1 second') r;
-- (The scheduler starts again in the database it is given, within seconds.)
DO $$
BEGIN
    FOR i IN 1..60 LOOP
        PERFORM FROM credits_reservation WHERE status = 'pending' LIMIT 1;
        EXIT WHEN NOT FOUND;
        PERFORM pg_sleep(0.5);
    END LOOP;
END $$;
SELECT status, count(*) FROM credits_reservation GROUP BY status;
ALTER SYSTEM RESET credits.scheduler_database;
ALTER SYSTEM RESET credits.scheduler_interval;
SELECT pg_reload_conf();

-- Usage: a charge and a record run on the account's node; summaries,
-- listings, quotes and the account summary read the shards through Citus;
-- pruning runs on every shard, and the rollups stay.
SELECT id IS NOT NULL AS priced FROM credits_set_price('m', input_price => 1000, per_tokens => 1000,
                                                       effective_from => now() - interval '40 days');
SELECT count(*) AS charged, sum(u.charged) AS total
  FROM generate_series(1, 12) i,
       LATERAL credits_charge('c' || i, 'm', input_tokens => i, endpoint => '/e' || (i % 2),
                              idempotency_key => 'use' || i) u;
SELECT count(*) FILTER (WHERE u.replayed) AS replayed, sum(u.charged) AS total
  FROM generate_series(1, 12) i,
       LATERAL credits_charge('c' || i, 'm', input_tokens => i, endpoint => '/e' || (i % 2),
                              idempotency_key => 'use' || i) u;
SELECT count(*) AS recorded FROM generate_series(1, 12) i,
       LATERAL credits_record_usage('c' || i, 'n', output_tokens => 10, success => i % 4 <> 0) u;
SELECT count(DISTINCT get_shard_id_for_distribution_column('credits_account', account_key)) > 1 AS spread
  FROM credits_usage_record;
SELECT model, total_requests, failed_requests, input_tokens, output_tokens, credits_charged, requests_by_endpoint
  FROM credits_usage_summary(group_by => '{model}');
SELECT count(*) AS listed FROM credits_list_usage(page_size => 100);
SELECT count(*) AS listed FROM credits_list_usage('c5');
SELECT balance, total_requests, credits_consumed, usage_this_month->'records' AS this_month
  FROM credits_account_summary('c5');
SELECT cost, amount FROM credits_quote('c5', 'm', input_tokens => 5);
SELECT count(*) AS usage_rows FROM credits_usage;
-- Usage of 60 days ago, as a restore loads it (with its rollups).
INSERT INTO credits_usage_record (id, account_id, account_key, model, usage_type, context, input_tokens,
                                  cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, units,
                                  requests, success, occurred_at, created_at)
SELECT 'use_old_' || a.external_id, a.id, a.account_key, 'm', 'text', 'customer', 7, 0, 0, 0, 0, 0, 1, true,
       date_bin('15 minutes', now() - interval '60 days', '2000-01-01 00:00:00+00'), now()
  FROM credits_account a WHERE a.external_id LIKE 'c%' AND a.tenant = 'default';
INSERT INTO credits_usage_rollup (account_id, account_key, span, bucket, model, usage_type, endpoint, context,
                                  records, requests, successful_requests, failed_requests, input_tokens,
                                  cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, units, cost,
                                  charged)
SELECT a.id, a.account_key, s.span, date_bin(s.span, now() - interval '60 days', '2000-01-01 00:00:00+00'), 'm',
       'text', '', 'customer', 1, 1, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0
  FROM credits_account a CROSS JOIN (VALUES (interval '15 minutes'), (interval '1 day')) s (span)
 WHERE a.external_id LIKE 'c%' AND a.tenant = 'default';
SELECT count(*) AS findings FROM credits_verify();
SELECT credits_prune_usage(now() - interval '36 days') AS pruned;
SELECT count(*) AS left_over FROM credits_usage_record WHERE occurred_at < now() - interval '36 days';
SELECT sum(input_tokens) AS input_tokens_then FROM credits_usage_summary(since => now() - interval '90 days');
SELECT count(*) AS findings FROM credits_verify();

-- Alerts and auto-reload run on the account's node, through the
-- coordinator (a request id names its shard); their events stay in the feed
-- of that node, where a consumer claims them.
SELECT external_id, balance FROM credits_create_account('alerted', initial_balance => 100);
SELECT thresholds FROM credits_set_alerts('alerted', '{60}');
SELECT auto_reload_threshold FROM credits_set_auto_reload('alerted', threshold => 50, amount => 100, cooldown => NULL);
SELECT balance FROM credits_debit('alerted', 60);
SELECT id AS request FROM credits_reload_requests WHERE external_id = 'alerted' \gset
SELECT status, replayed FROM credits_complete_reload(:'request', true, 'pi_1');
SELECT status, replayed FROM credits_complete_reload(:'request', true, 'pi_1');
SELECT balance, auto_reload_enabled FROM credits_balance('alerted');
SELECT r.result AS events_by_node FROM run_command_on_all_nodes($$
    SELECT coalesce(string_agg(type, ', ' ORDER BY written_by, ordinal), 'none') FROM credits_event
     WHERE external_id = 'alerted' $$) r
  JOIN pg_dist_node n USING (nodeid) ORDER BY r.result;

-- No shell holds a row (the event feed's tables are each node's own).
SELECT n.nodeport > 0 AS node, r.result AS shell_rows FROM run_command_on_all_nodes($$
    SELECT sum(pg_catalog.pg_relation_size(c.oid)) FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_class c ON c.oid = d.objid
     WHERE d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'credits')
       AND d.classid = 'pg_catalog.pg_class'::regclass AND c.relkind = 'r'
       AND c.relname NOT LIKE 'credits\_event%' $$) r
  JOIN pg_dist_node n USING (nodeid) ORDER BY n.nodeport;

SELECT * FROM credits_verify(all_tenants => true);
DROP OWNED BY citus_app, citus_acme;
DROP ROLE citus_app, citus_acme;

-- Ids made before 0.6.0 carry no account key: credits_distribute() lists
-- them, and they keep naming their accounts.
SET client_min_messages = warning;
DROP EXTENSION credits CASCADE;
CREATE EXTENSION credits VERSION '0.4.0';
RESET client_min_messages;
INSERT INTO credits_account (id, tenant, external_id, unit, scale, balance, reserved, overdraft_limit, status,
                             entry_count, created_at, updated_at, next_hold_expiry)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 'default', 'old', 'credits', 0, 7, 2, 0, 'active', 2, now(), now(),
        '2090-01-01');
INSERT INTO credits_entry (account_id, seq, transaction_id, type, amount, balance_after, available_after, created_at)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 1, 'txn_01ARZ3NDEKTSV4RRFFQ69G5FB1', 'credit', 10, 10, 10, now()),
       ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 2, 'txn_01ARZ3NDEKTSV4RRFFQ69G5FB3', 'debit', -3, 7, 7, now());
INSERT INTO credits_reservation (id, account_id, amount, status, expires_at, created_at, balance_after,
                                 available_after)
VALUES ('res_01ARZ3NDEKTSV4RRFFQ69G5FB4', 'acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 2, 'pending', '2090-01-01', now(), 7, 5);
SET client_min_messages = warning;
ALTER EXTENSION credits UPDATE;
SELECT count(*) > 0 AS distributed FROM credits_distribute();
RESET client_min_messages;
SELECT id, account_key = credits_account_key('default', 'old') AS keyed FROM credits_legacy_id ORDER BY id;
SELECT external_id, balance, reserved FROM credits_get_account('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0');
SELECT amount, balance FROM credits_confirm('res_01ARZ3NDEKTSV4RRFFQ69G5FB4');
SELECT amount, balance FROM credits_reverse('txn_01ARZ3NDEKTSV4RRFFQ69G5FB3');
SELECT count(*) AS entries FROM credits_ledger('old');
SELECT * FROM credits_verify(all_tenants => true);

-- After a query whose subquery Citus cannot plan, Citus 13.2 delegates no
-- function call in this session any more: a call says so, and writes nothing.
SELECT (SELECT count(*) FROM credits_entry e JOIN credits_account a ON a.id = e.account_id) FROM generate_series(1, 1);
SELECT pg_temp.fails($$SELECT credits_debit('old', 1)$$);
SELECT balance FROM credits_accounts WHERE external_id = 'old';
DROP EXTENSION credits;
