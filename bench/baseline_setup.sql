-- The raw-SQL baseline: 10,000 accounts (one UPDATE of the balance plus one
-- INSERT into a ledger table per debit, baseline_debit*.sql).
DROP TABLE IF EXISTS baseline_account, baseline_ledger;
CREATE TABLE baseline_account (
    id         bigint PRIMARY KEY,
    balance    numeric NOT NULL,
    updated_at timestamptz NOT NULL
) WITH (fillfactor = 70);
CREATE TABLE baseline_ledger (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL,
    amount        numeric NOT NULL,
    balance_after numeric NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON baseline_ledger (account_id);
INSERT INTO baseline_account SELECT i, 1000000000000, now() FROM generate_series(1, 10000) i;
