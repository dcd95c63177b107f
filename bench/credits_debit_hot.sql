SELECT * FROM credits_debit('user_1', 1);
