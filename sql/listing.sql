-- For applications: retry-safe account creation, every result readable by
-- ORMs (no interval), listings of accounts and ledger entries with their
-- total and a keyset cursor, and every error.
\i sql/include/setup.sql
\pset null '(null)'

-- Signup retried with its idempotency key: the account as made, once; the
-- initial balance is credited once. Other parameters with the key: CR003.
SELECT external_id, owner_id, balance, default_grant_ttl, notify_emails
  FROM credits_create_account('signup', name => 'Ann', owner_id => 'org_1', initial_balance => 50,
                              default_grant_ttl => '30 days 12 hours', notify_emails => '{ann@example.com}',
                              idempotency_key => 'signup-1');
SELECT external_id, owner_id, balance, default_grant_ttl
  FROM credits_create_account('signup', name => 'Ann', owner_id => 'org_1', initial_balance => 50,
                              default_grant_ttl => '30 days 12 hours', notify_emails => '{ann@example.com}',
                              idempotency_key => 'signup-1');
SELECT count(*) AS entries FROM credits_entries WHERE external_id = 'signup';
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_create_account('signup', name => 'Ann', owner_id => 'org_1', initial_balance => 60,
                                     default_grant_ttl => '30 days 12 hours', notify_emails => '{ann@example.com}',
                                     idempotency_key => 'signup-1')$$),
    ($$SELECT credits_create_account('signup', idempotency_key => 'signup-1')$$),
    ($$SELECT credits_create_account('signup', idempotency_key => 'signup-2')$$),
    ($$SELECT credits_create_account('signup')$$),
    ($$SELECT credits_create_account('other', idempotency_key => E'bad\nkey')$$),
    ($$SELECT credits_create_account('other', idempotency_key => '')$$)
) AS t(call);
-- The same key in another tenant is another request.
SET credits.tenant = 'acme';
SELECT external_id, balance FROM credits_create_account('signup', idempotency_key => 'signup-1');
RESET credits.tenant;

-- No result type is one that ORMs cannot read: durations are ISO 8601 text.
SELECT default_grant_ttl FROM credits_get_account('signup');
SELECT default_grant_ttl FROM credits_update_account('signup', default_grant_ttl => '1 mon 2 days 03:04:05.5');
SELECT credits_iso_duration('1 year'), credits_iso_duration('-90 minutes'), credits_iso_duration('0');
-- The types of every column a view or a function returns.
SELECT format_type(a.atttypid, NULL) AS type
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'credits\_%' AND c.relkind IN ('v', 'c')
   AND a.attnum > 0 AND NOT a.attisdropped
UNION
SELECT format_type(o.type, NULL)
  FROM pg_proc p, unnest(p.proallargtypes, p.proargmodes) o(type, mode)
 WHERE p.proname LIKE 'credits\_%' AND o.mode IN ('o', 'b', 't')
UNION
SELECT format_type(p.prorettype, NULL) FROM pg_proc p
 WHERE p.proname LIKE 'credits\_%' AND p.proallargtypes IS NULL
   AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype, 'record'::regtype)
   AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) <> 'c'
ORDER BY 1;

-- Accounts: filters, the total that matches, pages by offset or by cursor.
SELECT count(*) FROM generate_series(1, 7) i,
       LATERAL credits_create_account('acct_' || i, owner_id => 'org_' || (i % 2),
                                      metadata => jsonb_build_object('plan', CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END)) a;
SELECT status FROM credits_freeze('acct_3');
SELECT external_id, owner_id, total_count FROM credits_list_accounts(owner_id => 'org_1');
SELECT external_id, total_count FROM credits_list_accounts(metadata => '{"plan": "pro"}');
SELECT external_id, status, total_count FROM credits_list_accounts(status => 'frozen');
SELECT external_id, total_count FROM credits_list_accounts(page_size => 3, page_offset => 3);
SELECT cursor AS after FROM credits_list_accounts(page_size => 3) ORDER BY id DESC LIMIT 1 \gset
-- An account made now comes at the end: the page after the cursor is the same.
SELECT external_id FROM credits_list_accounts(page_size => 3, after => :'after');
SELECT external_id FROM credits_create_account('latecomer');
SELECT external_id, total_count FROM credits_list_accounts(page_size => 3, after => :'after');
-- The rows are the view's rows.
SELECT count(*) = (SELECT count(*) FROM credits_accounts) AS the_views_rows
  FROM credits_list_accounts(page_size => 1000) l JOIN credits_accounts a USING (id)
 WHERE (l.external_id, l.owner_id, l.balance, l.available, l.status, l.metadata, l.default_grant_ttl, l.notify_emails)
       IS NOT DISTINCT FROM
       (a.external_id, a.owner_id, a.balance, a.available, a.status, a.metadata, a.default_grant_ttl, a.notify_emails);

-- Ledger entries: newest first, with the total; a cursor page stays the same
-- while entries arrive.
SELECT count(*) FROM generate_series(1, 5) i, LATERAL credits_debit('signup', i, 'call ' || i) d;
SELECT id, type, amount, description, total_count, cursor FROM credits_list_entries('signup', page_size => 3);
SELECT cursor AS after FROM credits_list_entries('signup', page_size => 3) ORDER BY id LIMIT 1 \gset
SELECT count(*) FROM credits_credit('signup', 10, 'top-up');
SELECT id, type, amount, total_count FROM credits_list_entries('signup', page_size => 3, after => :'after');
SELECT id, type, total_count FROM credits_list_entries('signup', entry_type => 'credit');
SELECT id, total_count FROM credits_list_entries('signup', page_size => 2, page_offset => 1);

SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_list_entries('nobody')$$),
    ($$SELECT credits_list_entries(NULL)$$),
    ($$SELECT credits_list_entries('signup', page_size => 0)$$),
    ($$SELECT credits_list_entries('signup', page_size => 1001)$$),
    ($$SELECT credits_list_entries('signup', page_offset => -1)$$),
    ($$SELECT credits_list_entries('signup', after => 'acc_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$),
    ($$SELECT credits_list_entries('signup', after => '-3')$$),
    ($$SELECT credits_list_entries('signup', after => '99999999999999999999')$$),
    ($$SELECT credits_list_entries('signup', entry_type => 'gift')$$),
    ($$SELECT credits_list_entries('signup', since => now(), until => now() - interval '1 day')$$),
    ($$SELECT credits_list_accounts(status => 'sleeping')$$),
    ($$SELECT credits_list_accounts(owner_id => E'a\tb')$$),
    ($$SELECT credits_list_accounts(page_size => 0)$$),
    ($$SELECT credits_list_accounts(after => '12')$$)
) AS t(call);

-- Another tenant's accounts and entries are not listed.
SET credits.tenant = 'acme';
SELECT external_id, total_count FROM credits_list_accounts();
SELECT pg_temp.fails($$SELECT credits_list_entries('acct_1')$$);
RESET credits.tenant;
DROP EXTENSION credits;
