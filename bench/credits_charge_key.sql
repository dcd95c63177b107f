\set aid random(1, 10000)
\set key random(1, 9000000000000000000)
SELECT * FROM credits_charge('user_' || :aid, 'bench-model', input_tokens => 1000, output_tokens => 500,
                             endpoint => '/v1/chat', idempotency_key => 'req_' || :key);
