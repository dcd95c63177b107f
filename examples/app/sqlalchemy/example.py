"""credits from SQLAlchemy Core, 2.0-style API (SQLAlchemy 1.4 with future=True, or 2.x),
over psycopg2. An empty URL lets libpq read the PG* environment variables."""
from decimal import Decimal

from sqlalchemy import create_engine, func, select, text

engine = create_engine("postgresql+psycopg2://", future=True)


def set_tenant(conn, tenant):
    # For this transaction only (SET LOCAL): safe with any pool.
    conn.execute(text("SELECT set_config('credits.tenant', :tenant, true)"), {"tenant": tenant})


def balance(conn):
    return conn.execute(text("SELECT balance FROM credits_balance('user_1')")).scalar_one()


with engine.begin() as conn:  # one transaction, committed at the end of the block
    set_tenant(conn, "sqlalchemy")
    # text() with named arguments, and CAST(:x AS numeric), never :x::numeric,
    # which text() misreads (":amount::numeric" is a parameter named "amoun").
    conn.execute(text("SELECT id FROM credits_create_account(:id, scale => 2,"
                      " initial_balance => CAST(:amount AS numeric))"),
                 {"id": "user_1", "amount": Decimal("100")})
    row = conn.execute(text("SELECT balance, available FROM credits_debit(:account,"
                            " CAST(:amount AS numeric), :description)"),
                       {"account": "user_1", "amount": Decimal("0.10"), "description": "gpt-4o call"}).one()
    print("debit: balance", type(row.balance).__name__, row.balance)

    # The expression language: table_valued() puts the function in FROM, where
    # it runs once: SELECT anon_1.balance, anon_1.available FROM credits_debit(...) AS anon_1
    debit = func.credits_debit("user_1", Decimal("1.00")).table_valued("balance", "available")
    row = conn.execute(select(debit.c.balance, debit.c.available)).one()
    print("table_valued: balance", row.balance, "(one debit of 1.00)")

# The trap: a function that returns a row, called in the select list, runs once
# per column taken from it. Shown in a transaction that is rolled back.
with engine.connect() as conn:
    with conn.begin() as tx:
        set_tenant(conn, "sqlalchemy")
        before = balance(conn)
        f = func.credits_debit("user_1", Decimal("1.00"))
        # SELECT (credits_debit(...)).balance, (credits_debit(...)).available: two debits
        conn.execute(select(f.scalar_table_valued("balance"), f.scalar_table_valued("available"))).one()
        print("WRONG scalar_table_valued: balance dropped by", before - balance(conn))
        before = balance(conn)
        # (f(...)).* is one call per column of the result: credits_transaction has 12
        conn.execute(text("SELECT (credits_debit('user_1', 1)).*")).one()
        print("WRONG (f()).*: balance dropped by", before - balance(conn))
        tx.rollback()

with engine.begin() as conn:
    set_tenant(conn, "sqlalchemy")
    print("final balance", balance(conn))
