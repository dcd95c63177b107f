\set aid random(1, 10000)
SELECT * FROM credits_record_usage('user_' || :aid, 'bench-model', endpoint => '/v1/chat', input_tokens => 1000,
                                   output_tokens => 500, cost => 1.25);
