SELECT count(*) FROM credits_apply((SELECT ops FROM batch_ops WHERE size = 100));
