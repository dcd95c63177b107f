"""credits through PgBouncer in transaction pooling mode, from psycopg 3. run.sh
points PG* at a PgBouncer with one server connection per pool, so that the two
app connections below take turns on the same server connection."""
import psycopg


def connect(prepare_threshold=None):
    # prepare_threshold=None: never a named prepared statement. In transaction
    # mode a client's next transaction may run on another server connection,
    # and its server connection serves other clients in between.
    return psycopg.connect(autocommit=True, prepare_threshold=prepare_threshold)


acme, globex = connect(), connect()
server_pids = set()
for i in range(10):
    for conn, tenant in ((acme, "acme"), (globex, "globex")):
        with conn.transaction():
            # The tenant per transaction (SET LOCAL), never SET credits.tenant:
            # a session setting stays on the server connection, for the next client.
            conn.execute("SELECT set_config('credits.tenant', %s, true)", [tenant])
            if i == 0:
                conn.execute("SELECT id FROM credits_create_account('user_1', initial_balance => 100)")
            conn.execute("SELECT balance FROM credits_debit('user_1', 1)")
            server_pids.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
print("server connections used by both clients:", len(server_pids))
for conn, tenant in ((acme, "acme"), (globex, "globex")):
    with conn.transaction():
        conn.execute("SELECT set_config('credits.tenant', %s, true)", [tenant])
        print(tenant, "balance", conn.execute("SELECT balance FROM credits_balance('user_1')").fetchone()[0])

# Why no prepared statements: with prepare_threshold=0 psycopg prepares at once,
# as "_pg3_0" on whichever server connection it has; the other client's
# "_pg3_0" then meets it there (or, with more server connections, one is missing).
first, second = connect(prepare_threshold=0), connect(prepare_threshold=0)
first.execute("SELECT credits_current_tenant()")
try:
    second.execute("SELECT credits_current_tenant()")
except psycopg.Error as e:
    print("named prepared statements through PgBouncer:", e.sqlstate, type(e).__name__)
