\set aid random(1, 10000)
INSERT INTO baseline_usage (id, account_id, account_key, model, usage_type, endpoint, context, input_tokens,
                            cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, units, requests,
                            success, cost, occurred_at, created_at)
VALUES ('use_' || lpad(nextval('baseline_usage_id')::text, 26, '0'), 'acc_' || lpad(:aid::text, 26, '0'), :aid, 'bench-model', 'text',
        '/v1/chat', 'customer', 1000, 0, 0, 500, 0, 0, 1, true, 1.25, now(), now());
