SELECT * FROM credits_usage_summary('usage_heavy', 'month', since => '2025-01-01 00:00+00',
                                    until => '2025-01-31 23:59:59+00', group_by => '{model}');
