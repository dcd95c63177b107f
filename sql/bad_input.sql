-- Bad input is refused with CR012 (or CR008 for amounts) and a reason, for
-- that call or that operation of a batch alone, and changes nothing.
\i sql/include/setup.sql
SELECT external_id FROM credits_create_account('pat', initial_balance => 100);
SELECT id AS hold FROM credits_reserve('pat', 1) \gset

-- Expiries beyond their limit (100 years) or that round to nothing: CR012,
-- never a date/time overflow.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_credit('pat', 1, expires_in => '178000000 years')$$),
    ($$SELECT credits_credit('pat', 1, expires_in => '101 years')$$),
    ($$SELECT credits_credit('pat', 1, expires_in => '0.0000001 seconds')$$),
    ($$SELECT credits_credit('pat', 1, expires_at => '294276-12-31')$$),
    ($$SELECT credits_reserve('pat', 1, expires_in => '178000000 years')$$),
    ($$SELECT credits_reserve('pat', 1, expires_in => '-5 minutes')$$),
    ($$SELECT credits_create_account('ttl', default_grant_ttl => '178000000 years')$$),
    ($$SELECT credits_update_account('pat', default_grant_ttl => '200 years')$$),
    ($$SELECT credits_update_account('pat', default_grant_ttl => '-1 day')$$)
) AS calls(call);
SELECT pg_temp.fails(format('SELECT credits_extend_reservation(%L, %L)', :'hold', '178000000 years'));
SELECT transaction_id AS century FROM credits_credit('pat', 1, expires_in => '100 years') \gset
SELECT expires_at - created_at AS lasts FROM credits_grants WHERE transaction_id = :'century';

-- In a batch each bad operation fails alone.
SELECT index, ok, sqlstate, message FROM credits_apply('[
    {"op": "credit", "account": "pat", "amount": 1, "expires_in": 1e400},
    {"op": "credit", "account": "pat", "amount": 1, "expires_in": "178000000 years"},
    {"op": "reserve", "account": "pat", "amount": 1, "expires_in": 0.0000001},
    {"op": "reserve", "account": "pat", "amount": 1, "expires_at": "294276-12-31"},
    {"op": "credit", "account": "pat", "amount": 1, "priority": 2.5},
    {"op": "credit", "account": "pat", "amount": 1, "priority": -0.4},
    {"op": "credit", "account": "pat", "amount": 1, "priority": 3000000000},
    {"op": "credit", "account": "pat", "amount": 1, "priority": "2"},
    {"op": "credit", "account": "pat", "amount": 1, "category": ""},
    {"op": "credit", "account": "pat", "amount": 1, "category": "   "},
    {"op": "debit", "account": "pat", "amount": 1, "reference": "a\u202eb"},
    {"op": "debit", "account": "pat", "amount": 1, "idempotency_key": " k"},
    {"op": "debit", "account": "pat", "amount": 1, "description": "bell \u0007"},
    {"op": "debit", "account": "pat", "amount": 1, "priority": null},
    {"op": "credit", "account": "pat", "amount": 1, "priority": -2, "expires_in": 60}
]', false);
-- A plan's anchor lies at most as far ahead as an expiry.
SELECT code FROM credits_create_plan('far', NULL, 1, 'day');
SELECT pg_temp.fails($$SELECT credits_assign_plan('pat', 'far', anchor => '294276-12-31')$$);
SELECT count(*) AS subscriptions FROM credits_subscriptions;
-- Values quoted in errors show control and formatting characters escaped.
SELECT pg_temp.fails($$SELECT credits_balance(E'ab\x01cd')$$);
SELECT pg_temp.fails($$SELECT credits_cancel(E'res_\u202Eevil')$$);

-- Identifiers (external ids, references, idempotency keys, plan codes,
-- categories, units, owners): no control characters, bidirectional or
-- invisible formatting characters, blanks or spaces at either end.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_create_account(E'line\nbreak')$$),
    ($$SELECT credits_create_account(E'tab\tbed')$$),
    ($$SELECT credits_create_account(E'evil\u202Egnp.exe')$$),
    ($$SELECT credits_create_account(E'zero\u200Bwidth')$$),
    ($$SELECT credits_create_account('   ')$$),
    ($$SELECT credits_create_account(' padded')$$),
    ($$SELECT credits_create_account('padded ')$$),
    ($$SELECT credits_create_account(E'nbsp\u00A0')$$),
    ($$SELECT credits_create_account('ok', unit => E'cr\redits')$$),
    ($$SELECT credits_create_account('ok', owner_id => ' ')$$),
    ($$SELECT credits_create_account('ok', email => E'a@b\u202E.com')$$),
    ($$SELECT credits_credit('pat', 1, reference => E'order\n42')$$),
    ($$SELECT credits_credit('pat', 1, idempotency_key => E'key\u2066')$$),
    ($$SELECT credits_credit('pat', 1, idempotency_key => '  ')$$),
    ($$SELECT credits_credit('pat', 1, category => '')$$),
    ($$SELECT credits_credit('pat', 1, category => E'promo\x01')$$),
    ($$SELECT credits_debit('pat', 1, description => E'\u001b[31mred')$$),
    ($$SELECT credits_reserve('pat', 1, reference => E'\u00ADsoft')$$),
    ($$SELECT credits_transfer('pat', 'pat', 1, reference => ' x')$$),
    ($$SELECT credits_create_plan(E'gold\n', NULL, 1, 'day')$$),
    ($$SELECT credits_create_plan('   ', NULL, 1, 'day')$$),
    ($$SELECT credits_freeze('pat', E'why\u0008')$$)
) AS calls(call);

-- Text for people keeps tabs, line breaks and any script.
SELECT description FROM credits_credit('pat', 1, E'two\nlines\tand ‏שלום‎');
SELECT external_id FROM credits_create_account('José Ñandú 李');

-- Only the valid calls above wrote anything.
SELECT count(*) AS accounts FROM credits_accounts;
SELECT count(*) AS entries FROM credits_entries WHERE external_id = 'pat';
SELECT count(*) AS holds FROM credits_reservations;
SELECT count(*) AS plans FROM credits_plans;  -- 'far'
SELECT * FROM credits_verify();
