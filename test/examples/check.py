"""Checks examples/webhook_consumer.py against the database in the environment
(test/examples/run.sh made it and emitted the first events) and a receiver
started here, on 127.0.0.1, which verifies every signature on its own.

    python3 check.py path/to/webhook_consumer.py

Prints one line when every check holds; else the first failure, and exits 1.
"""

import base64
import hashlib
import hmac
import http.server
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

SECRET = "whsec_" + base64.b64encode(b"credits-example-secret-32-bytes!").decode()
KEY = b"credits-example-secret-32-bytes!"


def fail(message):
    print(f"examples: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


# --- The receiver: verifies as a receiver would, with nothing from the consumer.

def verify(headers, body):
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not (msg_id and ts and sigs) or not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return False
    mac = hmac.new(KEY, msg_id.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256).digest()
    for sig in sigs.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(value), mac):
            return True
    return False


class Receiver:
    """Records every request; `plan` says how to answer the first attempts of
    some events: 'fail' (500), 'drop' (close without answering), 'garble'
    (not HTTP), 'refuse' (500 every time) or 'kill' (process it, then kill -9
    the consumer before answering)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []   # every attempt: (id, signature ok, body)
        self.processed = []  # ids the receiver acted on, in order
        self.plan = {}       # id -> [answer of attempt 1, of attempt 2, ...]
        self.consumer = None  # the subprocess.Popen to kill on 'kill'
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                ok = verify(headers, body) and headers.get("content-type") == "application/json"
                msg_id = headers.get("webhook-id")
                with receiver.lock:
                    receiver.requests.append((msg_id, ok, body))
                    todo = receiver.plan.get(msg_id, [])
                    action = todo.pop(0) if todo else "ok"
                if not ok:
                    action = "bad signature"
                if action == "drop":
                    self.close_connection = True
                    return
                if action == "garble":
                    self.wfile.write(b"no HTTP here\r\n\r\n")
                    self.close_connection = True
                    return
                if action == "kill":
                    with receiver.lock:
                        receiver.processed.append(msg_id)
                    receiver.consumer.send_signal(signal.SIGKILL)
                    receiver.consumer.wait()
                    self.close_connection = True
                    return
                status = 204 if action == "ok" else 401 if action == "bad signature" else 500
                if status == 204:
                    with receiver.lock:
                        receiver.processed.append(msg_id)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/credits"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, plan=None):
        with self.lock:
            self.requests.clear()
            self.processed.clear()
            self.plan = {k: list(v) for k, v in (plan or {}).items()}

    def attempts(self, msg_id):
        return sum(1 for r in self.requests if r[0] == msg_id)


# --- The database ------------------------------------------------------------

db = psycopg.connect("", autocommit=True, row_factory=dict_row)


def sql(query, params=(), tenant=None):
    with db.transaction():
        if tenant is not None:
            db.execute("SELECT set_config('credits.tenant', %s, true)", [tenant])
        cur = db.execute(query, params)
        return cur.fetchall() if cur.description else None


def events(tenant=None, types=None):
    rows = sql("SELECT * FROM credits_events ORDER BY position, ordinal", tenant=tenant)
    return [r for r in rows if types is None or r["type"] in types]


def acked(consumer, tenant=None):
    rows = sql("SELECT acked_event FROM credits_event_consumers WHERE name = %s", [consumer], tenant)
    return rows[0]["acked_event"] if rows else None


def low_balance_events(external_id, n, tenant=None):
    """A new account whose n debits, one transaction each, cross n thresholds:
    n balance.low events, in n commits."""
    thresholds = "{" + ",".join(str(1000 - 100 * (i + 1)) for i in range(n)) + "}"
    sql("SELECT credits_create_account(%s, initial_balance => 1000, notify_emails => %s)",
        [external_id, [f"{external_id}@example.com"]], tenant)
    sql("SELECT credits_set_alerts(%s, %s::numeric[])", [external_id, thresholds], tenant)
    for i in range(n):
        sql("SELECT credits_debit(%s, 100, 'usage')", [external_id], tenant)


# --- The consumer -------------------------------------------------------------

consumer_path = sys.argv[1]
receiver = Receiver()


def consumer_cmd(*args):
    return [sys.executable, consumer_path, "--url", receiver.url, "--retry-delay", "0.05",
            "--timeout", "5", *args]


def run_consumer(*args, expect=0):
    p = subprocess.Popen(consumer_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=dict(os.environ, CREDITS_WEBHOOK_SECRET=SECRET), text=True)
    receiver.consumer = p
    try:
        out, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        fail(f"consumer {args} did not finish:\n{out}")
    check(p.returncode == expect, f"consumer {args} exited {p.returncode}, expected {expect}:\n{out}")
    return out


def check_delivered(expected_ids, what):
    got = list(receiver.processed)
    check(got == expected_ids, f"{what}: delivered\n  {got}\nexpected, in (position, ordinal) order,\n"
                               f"  {expected_ids}")
    bad = [r[0] for r in receiver.requests if not r[1]]
    check(not bad, f"{what}: bad signatures or headers on {bad}")


# 0. Signing, against the Standard Webhooks test vector (libraries/python/tests).
spec = importlib.util.spec_from_file_location("webhook_consumer", consumer_path)
wc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wc)
check(wc.sign(wc.secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "msg_p5jXN8AQM9LWM0D4loKWxJek",
              "1614265330", b'{"test": 2432232314}') == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      "sign() does not give the Standard Webhooks test vector")
check(wc.secret_key(SECRET) == KEY, "secret_key() does not decode whsec_<base64>")
ts = str(int(time.time()))
check(verify({"webhook-id": "evt_1", "webhook-timestamp": ts,
              "webhook-signature": wc.sign(KEY, "evt_1", ts, b"{}")}, b"{}"), "the receiver refuses a good signature")
check(not verify({"webhook-id": "evt_1", "webhook-timestamp": ts,
                  "webhook-signature": wc.sign(KEY, "evt_1", ts, b"{}")}, b"{ }"), "the receiver takes a bad signature")

# 1. Everything setup.sql emitted, in order, in batches of 3, with a 500, a
#    dropped connection, two 500s and an answer that is not HTTP on the first
#    attempts of some.
initial = events()
ids = [e["id"] for e in initial]
check(len(ids) >= 8, f"setup.sql emitted {len(ids)} events, expected at least 8")
check(len({e["position"] for e in initial}) < len(ids),
      "no transaction wrote two events: the ordinal order goes untested")
receiver.reset({ids[1]: ["fail"], ids[3]: ["drop"], ids[4]: ["fail", "fail"], ids[6]: ["garble"]})
run_consumer("--once", "--batch", "3")
check_delivered(ids, "first run")
attempts = [receiver.attempts(i) for i in ids]
check(attempts == [1, 2, 1, 2, 3, 1, 2] + [1] * (len(ids) - 7), f"attempts per event: {attempts}")
retried = 4
bodies = {r[0]: json.loads(r[2]) for r in receiver.requests}
for e in initial:
    b = bodies[e["id"]]
    check(set(b) == {"id", "type", "account_id", "external_id", "tenant", "occurred_at", "data"},
          f"body keys {sorted(b)}")
    check((b["type"], b["account_id"], b["external_id"], b["tenant"], b["data"])
          == (e["type"], e["account_id"], e["external_id"], e["tenant"], e["data"]), f"body {b} for {e}")
    check(datetime.fromisoformat(b["occurred_at"].replace("Z", "+00:00")) == e["occurred_at"],
          f"occurred_at {b['occurred_at']} for {e['occurred_at']}")
low = next(e for e in initial if e["type"] == "balance.low")
check(low["data"].get("notify_emails"), f"balance.low carries no notify_emails: {low['data']}")
check(acked("webhooks") == ids[-1], f"cursor at {acked('webhooks')}, expected {ids[-1]}")
receiver.reset()
run_consumer("--once")
check(not receiver.requests, f"a rerun with nothing new sent {len(receiver.requests)} requests")

# 2. A receiver that refuses an event: 3 attempts, exit 3, no ack; the next
#    run delivers it.
low_balance_events("carol", 2)
new = [e["id"] for e in events()][len(ids):]
check(len(new) == 2, f"carol: {len(new)} events, expected 2")
receiver.reset({new[0]: ["refuse"] * 3})
run_consumer("--once", "--max-attempts", "3", expect=3)
check(receiver.attempts(new[0]) == 3 and not receiver.processed,
      f"giving up: {receiver.attempts(new[0])} attempts, delivered {receiver.processed}")
check(acked("webhooks") == ids[-1], f"an undelivered event was acknowledged: cursor at {acked('webhooks')}")
receiver.reset()
run_consumer("--once")
check_delivered(new, "after giving up")
ids += new

# 3. kill -9 after the receiver processed an event, before the ack: the rerun
#    sends that event again, and only that one twice.
low_balance_events("dave", 5)
new = [e["id"] for e in events()][len(ids):]
check(len(new) == 5, f"dave: {len(new)} events, expected 5")
receiver.reset({new[2]: ["kill"]})
run_consumer("--once", expect=-signal.SIGKILL)
check(receiver.processed == new[:3], f"before the kill: {receiver.processed}")
check(acked("webhooks") == new[1], f"after the kill the cursor is at {acked('webhooks')}, expected {new[1]}")
run_consumer("--once")
check_delivered(new[:3] + new[2:], "kill and rerun")
check(acked("webhooks") == new[-1], f"cursor at {acked('webhooks')}, expected {new[-1]}")
ids += new

# 4. A consumer of one type starts at the beginning and gets only that type;
#    asking for the same name with other types is CR028.
lows = [e["id"] for e in events(types={"balance.low"})]
receiver.reset()
run_consumer("--once", "--consumer", "lows", "--types", "balance.low")
check_delivered(lows, "--types balance.low")
out = run_consumer("--once", "--consumer", "lows", "--types", "balance.low,balance.depleted", expect=1)
check("CR028" in out, f"other types for an existing consumer: {out}")

# 5. Tenants: --tenant acme delivers acme's events only; the default
#    tenant's consumer sees none of them.
low_balance_events("erin", 2, tenant="acme")
acme = [e["id"] for e in events(tenant="acme")]
check(len(acme) == 2, f"acme: {len(acme)} events, expected 2")
receiver.reset()
run_consumer("--once", "--tenant", "acme", "--consumer", "acme-hooks")
check_delivered(acme, "--tenant acme")
check(all(json.loads(r[2])["tenant"] == "acme" for r in receiver.requests), "tenant in acme's bodies")
check(acked("acme-hooks", "acme") == acme[-1], f"acme cursor at {acked('acme-hooks', 'acme')}")
receiver.reset()
run_consumer("--once")
check(not receiver.requests, "the default tenant's consumer delivered acme's events")

# 6. Running: a NOTIFY wakes it long before its 60 s poll.
receiver.reset()
p = subprocess.Popen(consumer_cmd("--poll", "60", "-v"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     env=dict(os.environ, CREDITS_WEBHOOK_SECRET=SECRET), text=True)
lines = []
started = threading.Event()


def read_output():
    for line in p.stdout:
        lines.append(line)
        if "consumer webhooks:" in line:
            started.set()


def wait_for(n):
    """Seconds until the receiver has processed n requests (20 at most)."""
    t0 = time.monotonic()
    low_balance_events(f"user{len(ids)}", 1)
    while len(receiver.processed) < n and time.monotonic() - t0 < 20:
        time.sleep(0.02)
    return time.monotonic() - t0


def stop_running():
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail(f"SIGTERM did not stop the running consumer:\n{''.join(lines)}")


threading.Thread(target=read_output, daemon=True).start()
check(started.wait(30), f"the running consumer did not start:\n{''.join(lines)}")
time.sleep(0.5)  # let it claim nothing and go to sleep
woke = wait_for(1)
new = [e["id"] for e in events()][len(ids):]
if woke >= 10:
    stop_running()
    fail(f"the NOTIFY did not wake the consumer: nothing delivered after {woke:.1f}s (poll 60s)")
check(receiver.processed == new, f"running consumer delivered {receiver.processed}, expected {new}")
ids += new

# 7. The database drops its connections: it reconnects and goes on. SIGTERM
#    stops it (exit 0).
sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE application_name = 'credits_webhook_consumer'")
reconnected = wait_for(2)
new = [e["id"] for e in events()][len(ids):]
rc = stop_running()
check(receiver.processed == ids[-1:] + new,
      f"after its connections were terminated the consumer delivered {receiver.processed[1:]}, expected {new}:\n"
      f"{''.join(lines)}")
check(any("reconnecting" in line for line in lines), f"no reconnection:\n{''.join(lines)}")
check(rc == 0, f"after SIGTERM the consumer exited {rc}:\n{''.join(lines)}")
check(acked("webhooks") == new[-1], f"cursor at {acked('webhooks')}, expected {new[-1]}")
ids += new

total = len(ids) + len(acme)
print(f"examples: webhook consumer delivered {total} events in (position, ordinal) order with valid"
      f" signatures; {retried} retried, 1 given up (exit 3) then delivered, 1 redelivered after kill -9;"
      f" --types and --tenant filtered; NOTIFY woke it in {woke:.2f}s; back {reconnected:.1f}s after its"
      f" connections were terminated; SIGTERM exit 0")
