\set aid random(1, 10000)
SELECT * FROM credits_charge('user_' || :aid, 'bench-model', input_tokens => 1000, output_tokens => 500,
                             endpoint => '/v1/chat');
