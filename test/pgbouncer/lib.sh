# A PgBouncer for the tests that need one (test/pgbouncer/run.sh,
# examples/app/run.sh): transaction pooling, one server connection per pool,
# clients on its unix socket in $dir (trusted), the server reached with the
# passwords of $dir/users.txt. Source it after setting dir and port.

# Stops PgBouncer (if it started) and removes $dir: the scripts' EXIT trap.
pgbouncer_stop() {
    if [ -f "$dir/pgbouncer.pid" ]; then
        pid=$(cat "$dir/pgbouncer.pid")
        kill "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -rf "$dir"
}

# Starts it with the [databases] lines read from stdin.
pgbouncer_start() {
    {
        echo "[databases]"
        cat
        cat <<INI

[pgbouncer]
unix_socket_dir = $dir
listen_port = $port
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = 1
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    } >"$dir/pgbouncer.ini"
    # PgBouncer refuses to run as root.
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$dir"
        runuser -u postgres -- pgbouncer -d "$dir/pgbouncer.ini"
    else
        pgbouncer -d "$dir/pgbouncer.ini"
    fi
}

# Waits (5 s at most) until the command given, a first query through it,
# succeeds; else shows PgBouncer's log and fails.
pgbouncer_wait() {
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 50 ]; then
            echo "not ok - pgbouncer starts"
            cat "$dir/pgbouncer.log"
            exit 1
        fi
        sleep 0.1
    done
}
