SELECT load_debit('hot');
