"""credits from psycopg 3. Connects with the PG* environment variables."""
from decimal import Decimal

import psycopg
from psycopg.types.json import Jsonb

# autocommit: each `with conn.transaction()` below is the whole transaction
# (BEGIN ... COMMIT); nested, it is a savepoint.
with psycopg.connect(autocommit=True) as conn:
    with conn.transaction():  # the app's transaction: commits at the end of the block
        # The tenant for this transaction only (SET LOCAL): safe with any pool.
        conn.execute("SELECT set_config('credits.tenant', %s, true)", ["psycopg"])
        conn.execute("SELECT id FROM credits_create_account(%s, scale => 2, initial_balance => %s)",
                     ["user_1", Decimal("100")])

        # numeric comes back as Decimal; pass Decimal (or str), never float.
        balance, = conn.execute("SELECT balance FROM credits_debit(%s, %s, %s)",
                                ["user_1", Decimal("0.10"), "gpt-4o call"]).fetchone()
        print("debit: balance", type(balance).__name__, balance)

        # A failed call aborts the whole transaction, unless it ran in a savepoint:
        # the nested transaction() rolls back to it, and the app's work goes on.
        try:
            with conn.transaction():
                conn.execute("SELECT * FROM credits_debit(%s, %s)", ["user_1", Decimal("1000")])
        except psycopg.Error as e:
            if e.sqlstate != "CR001":  # insufficient_credits
                raise
            print("refused:", e.sqlstate)

        # A batch: Jsonb sends the list as jsonb. JSON has no decimal type (and
        # json.dumps refuses Decimal), so amounts go as strings, which credits
        # reads exactly. atomic => false: a failing operation reports its
        # SQLSTATE and the others stand.
        ops = [
            {"op": "debit", "account": "user_1", "amount": str(Decimal("12.50"))},
            {"op": "debit", "account": "user_1", "amount": "0.001"},  # beyond the scale
            {"op": "credit", "account": "user_1", "amount": "5.25"},
        ]
        for index, ok, sqlstate, balance in conn.execute(
                "SELECT index, ok, sqlstate, balance FROM credits_apply(%s, atomic => false)",
                [Jsonb(ops)]):
            print("apply:", index, ok, sqlstate, balance)

with psycopg.connect() as conn:  # a new session: the tenant is gone, set it again
    conn.execute("SELECT set_config('credits.tenant', %s, true)", ["psycopg"])
    balance, = conn.execute("SELECT balance FROM credits_balance(%s)", ["user_1"]).fetchone()
    print("final balance", balance)
