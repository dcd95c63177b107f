#!/usr/bin/env python3
"""Deliver credits events to a webhook, signed per Standard Webhooks.

A reference consumer of the event feed (credits 0.8.0): it claims the events
of one named consumer in commit order, POSTs each one to a URL and
acknowledges it only once the URL has answered 2xx. Delivery is therefore at
least once, in order: an event is sent again only when the consumer stopped
(crash, kill, lost connection) between the delivery and its acknowledgement,
so receivers deduplicate on the `webhook-id` header (the event id).

    export PGHOST=db.internal PGDATABASE=app PGUSER=credits_webhooks
    export CREDITS_WEBHOOK_SECRET=whsec_...   # keep it out of argv (ps)
    examples/webhook_consumer.py --url https://app.example.com/hooks/credits \\
        --types balance.low,balance.depleted,auto_reload.requested

Waking up: it LISTENs on `credits_events` (one NOTIFY per committed
transaction that wrote events) on a connection of its own and also polls
every --poll seconds, since a notification is only a hint: it does not pass
through PgBouncer's transaction pooling and is lost while disconnected.

Failures: a delivery that fails (network error, timeout, any status but
2xx, redirects included) is retried with exponential backoff and jitter, up
to --max-attempts. Events are delivered in order, so a later event never
overtakes one that failed: after the last attempt the consumer exits with
status 3 without acknowledging it. Run it under a supervisor that restarts
it (systemd `Restart=always`, a Kubernetes Deployment), which then retries
from that event, and alert on the restarts: a receiver that keeps refusing
an event holds the feed up until someone looks. It never acknowledges an
event that was not delivered. Database errors: with --once it exits 1; else
it reconnects with backoff. SIGTERM or SIGINT stop it at the next event
boundary (exit 0).

The request: POST, `Content-Type: application/json`, body
    {"id", "type", "account_id", "external_id", "tenant", "occurred_at", "data"}
and the headers `webhook-id` (the event id), `webhook-timestamp` (Unix
seconds of this attempt) and `webhook-signature`: `v1,` + base64 of
HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"), where the key is
the base64 after `whsec_` in the secret, decoded.

The receiver side, for instance turning `balance.low` into an e-mail to the
account's `data.notify_emails`:

    import base64, hashlib, hmac, json, smtplib, time
    from email.message import EmailMessage

    KEY = base64.b64decode(SECRET.removeprefix("whsec_"))

    def handle(headers, body: bytes):           # body: the raw request bytes
        msg_id = headers["webhook-id"]
        ts = headers["webhook-timestamp"]
        if abs(time.time() - int(ts)) > 300:
            return 400                          # too old or too new: a replay?
        mac = hmac.new(KEY, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        expected = "v1," + base64.b64encode(mac).decode()
        if not any(hmac.compare_digest(expected, s)
                   for s in headers["webhook-signature"].split()):
            return 401
        event = json.loads(body)
        if already_processed(msg_id):          # at least once: deduplicate
            return 200
        if event["type"] == "balance.low" and event["data"].get("notify_emails"):
            d = event["data"]
            mail = EmailMessage()
            mail["From"] = "billing@example.com"
            mail["To"] = ", ".join(d["notify_emails"])
            mail["Subject"] = f"Your balance is low: {d['available_after']} {d['unit']} left"
            mail.set_content(f"Your available balance fell to {d['available_after']} {d['unit']}"
                             f" (alert threshold {d['threshold']}). Top up to keep going.")
            with smtplib.SMTP("localhost") as smtp:
                smtp.send_message(mail)
        mark_processed(msg_id)                  # in the same transaction as the work
        return 200

Answer 2xx quickly and queue slow work: the consumer waits --timeout
seconds per attempt, and a slow receiver delays every later event.

Needs psycopg 3 (Debian: python3-psycopg) and the standard library. The
database role needs credits_create_consumer, credits_claim_events and
credits_ack_events (the `app` access set of credits_grant_access has them).
"""

import argparse
import base64
import binascii
import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import select
import signal
import sys
import time
import urllib.error
import urllib.request
from datetime import timezone

try:
    import psycopg
    from psycopg.rows import dict_row
except ImportError:
    sys.exit("webhook_consumer: psycopg 3 is missing (Debian: apt-get install python3-psycopg,"
             " then run it with /usr/bin/python3; elsewhere: pip install 'psycopg[binary]')")

log = logging.getLogger("webhook_consumer")

CHANNEL = "credits_events"
APPLICATION_NAME = "credits_webhook_consumer"
MAX_RETRY_DELAY = 60.0  # seconds: the cap of the exponential backoff
EXIT_UNDELIVERED = 3


class Undelivered(Exception):
    """An event that every attempt failed to deliver."""


class Stop(Exception):
    """SIGTERM or SIGINT: leave at the next event boundary."""


# --- Signing ----------------------------------------------------------------

def secret_key(secret):
    """The HMAC key of a Standard Webhooks secret, `whsec_<base64>`."""
    encoded = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError("the secret must be whsec_ followed by base64") from None
    if not key:
        raise ValueError("the secret is empty")
    return key


def sign(key, msg_id, timestamp, body):
    """The webhook-signature header for body (bytes), sent at timestamp (Unix seconds)."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def event_body(event):
    """The JSON body of an event (a row of credits_claim_events), as bytes."""
    occurred = event["occurred_at"].astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return json.dumps({
        "id": event["id"],
        "type": event["type"],
        "account_id": event["account_id"],
        "external_id": event["external_id"],
        "tenant": event["tenant"],
        "occurred_at": occurred,
        "data": event["data"],
    }, separators=(",", ":"), ensure_ascii=False).encode()


# --- Delivery ---------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET without a body: count it as a failure.
    def redirect_request(self, *args, **kwargs):
        return None


class Sender:
    def __init__(self, url, key, timeout, max_attempts, retry_delay, sleep):
        self.url = url
        self.key = key
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.sleep = sleep  # interruptible: raises Stop
        self.opener = urllib.request.build_opener(_NoRedirect)

    def attempt(self, event_id, body):
        """One POST; returns None on a 2xx answer, else what went wrong."""
        timestamp = str(int(time.time()))  # signed per attempt: receivers refuse old ones
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "User-Agent": "credits-webhook-consumer/1",
            "webhook-id": event_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": sign(self.key, event_id, timestamp, body),
        })
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as e:  # any answer urllib does not count as success
            status = e.code
            e.close()
        except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out, DNS, garbled
            return f"{type(e).__name__}: {getattr(e, 'reason', e)}"
        return None if 200 <= status < 300 else f"HTTP {status}"

    def deliver(self, event):
        body = event_body(event)
        for attempt in range(1, self.max_attempts + 1):
            error = self.attempt(event["id"], body)
            if error is None:
                log.info("delivered %s (%s) at attempt %d", event["id"], event["type"], attempt)
                return
            if attempt == self.max_attempts:
                break
            # Exponential backoff with jitter: [d/2, d], d = base * 2^(attempt-1), capped.
            delay = min(MAX_RETRY_DELAY, self.retry_delay * 2 ** (attempt - 1))
            delay = random.uniform(delay / 2, delay)
            log.warning("attempt %d of %s failed (%s); retrying in %.2fs",
                        attempt, event["id"], error, delay)
            self.sleep(delay)
        raise Undelivered(f"{event['id']} ({event['type']}): {self.max_attempts} attempts failed,"
                          f" the last with {error}")


# --- The feed ---------------------------------------------------------------

class Feed:
    """credits_create_consumer / credits_claim_events / credits_ack_events, each in
    a short transaction of its own (with the tenant set in it: safe behind
    PgBouncer's transaction pooling), never one held open during a delivery."""

    def __init__(self, dsn, consumer, tenant):
        # No server-side prepared statements: they break transaction pooling.
        self.conn = psycopg.connect(dsn, autocommit=True, row_factory=dict_row, prepare_threshold=None,
                                    fallback_application_name=APPLICATION_NAME)
        self.consumer = consumer
        self.tenant = tenant

    @contextlib.contextmanager
    def transaction(self):
        with self.conn.transaction():
            if self.tenant is not None:
                self.conn.execute("SELECT set_config('credits.tenant', %s, true)", [self.tenant])
            yield self.conn

    def create_consumer(self, types, start_at):
        # Returns the consumer when it exists with these types; other types: CR028.
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM credits_create_consumer(%s::text, %s::text[], %s::text)",
                               [self.consumer, types, start_at]).fetchone()
        log.info("consumer %s: types %s, acknowledged through %s", row["name"],
                 ",".join(row["types"]) if row["types"] else "all", row["acked_event"] or "nothing yet")

    def claim(self, batch):
        with self.transaction() as conn:
            return conn.execute("SELECT * FROM credits_claim_events(%s::text, %s::int)",
                                [self.consumer, batch]).fetchall()

    def ack(self, event_id):
        with self.transaction() as conn:
            conn.execute("SELECT acked_event FROM credits_ack_events(%s::text, %s::text)", [self.consumer, event_id])

    def close(self):
        self.conn.close()


class Waker:
    """Waits for a NOTIFY on credits_events, a poll timeout or a signal."""

    def __init__(self, dsn, signal_fd):
        self.signal_fd = signal_fd
        self.conn = None
        if dsn is not None:
            self.conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=None,
                                        fallback_application_name=APPLICATION_NAME)
            self.conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout):
        """Returns after timeout seconds, or sooner when woken; raises Stop on a signal."""
        fds = [self.signal_fd] + ([self.conn.fileno()] if self.conn is not None else [])
        ready, _, _ = select.select(fds, [], [], timeout)
        if self.signal_fd in ready or stopping:
            raise Stop()
        if ready:
            # Read what arrived (the notifications; their payload does not matter).
            # The query also tells a dead connection from a quiet one.
            self.conn.execute("SELECT 1")

    def close(self):
        if self.conn is not None:
            self.conn.close()


stopping = False


def install_signal_handlers():
    """SIGTERM/SIGINT set `stopping` and wake up any select() through a pipe."""
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)

    def handler(signum, frame):
        global stopping
        stopping = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return r


def run(args, key, signal_fd):
    """Delivers until stopped (or, with --once, until the feed is drained);
    returns how many events it delivered."""
    waker = feed = None
    delivered = 0
    try:
        waker = Waker(None if args.once else args.dsn, signal_fd)
        feed = Feed(args.dsn, args.consumer, args.tenant)
        sender = Sender(args.url, key, args.timeout, args.max_attempts, args.retry_delay, waker.wait)
        feed.create_consumer(args.types, args.start_at)
        while True:
            events = feed.claim(args.batch)
            for event in events:
                if stopping:
                    raise Stop()
                sender.deliver(event)  # raises Undelivered: no ack, exit
                feed.ack(event["id"])  # through this event; a crash before it means a resend
                delivered += 1
            if len(events) == args.batch:
                continue  # more may be waiting
            if args.once:
                return delivered
            waker.wait(args.poll)
    except Stop:
        log.info("stopping")
        return delivered
    finally:
        for connection in (feed, waker):
            if connection is not None:
                connection.close()


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Deliver credits events to a webhook (Standard Webhooks signatures).",
        epilog="Exit status: 0 done (--once) or stopped by a signal; 1 database error; 2 usage error;"
               " 3 an event could not be delivered in --max-attempts (not acknowledged).")
    p.add_argument("--dsn", default="", help="libpq connection string (default: the PG* environment)")
    p.add_argument("--consumer", default="webhooks", help="consumer name (default: %(default)s)")
    p.add_argument("--types", default="",
                   help="comma-separated event types to deliver (default: all); fixed when the consumer is created")
    p.add_argument("--start-at", choices=["beginning", "now"], default="beginning",
                   help="where a new consumer starts (default: %(default)s)")
    p.add_argument("--url", default=os.environ.get("CREDITS_WEBHOOK_URL"),
                   help="webhook URL (default: $CREDITS_WEBHOOK_URL)")
    p.add_argument("--secret", default=os.environ.get("CREDITS_WEBHOOK_SECRET"),
                   help="signing secret whsec_<base64> (default: $CREDITS_WEBHOOK_SECRET, better than argv)")
    p.add_argument("--tenant", help="credits.tenant, set in each transaction (default: the role's)")
    p.add_argument("--batch", type=int, default=100, help="events claimed at a time (default: %(default)s)")
    p.add_argument("--poll", type=float, default=5.0,
                   help="seconds between polls when no notification comes (default: %(default)s)")
    p.add_argument("--max-attempts", type=int, default=8,
                   help="delivery attempts per event before exiting with status 3 (default: %(default)s)")
    p.add_argument("--retry-delay", type=float, default=1.0,
                   help="first retry delay in seconds, doubled each time up to 60 (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP attempt (default: %(default)s)")
    p.add_argument("--once", action="store_true", help="deliver what is there, then exit 0")
    p.add_argument("-v", "--verbose", action="store_true", help="log every delivery")
    args = p.parse_args(argv)
    if not args.url:
        p.error("--url (or CREDITS_WEBHOOK_URL) is required")
    if not args.secret:
        p.error("--secret (or CREDITS_WEBHOOK_SECRET) is required")
    if args.batch < 1 or args.max_attempts < 1 or args.poll <= 0 or args.retry_delay < 0 or args.timeout <= 0:
        p.error("--batch and --max-attempts must be at least 1; --poll and --timeout positive")
    args.types = [t.strip() for t in args.types.split(",") if t.strip()] or None
    return p, args


def main(argv=None):
    parser, args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        key = secret_key(args.secret)
    except ValueError as e:
        parser.error(str(e))
    signal_fd = install_signal_handlers()

    failures = 0
    while True:
        started = time.monotonic()
        try:
            delivered = run(args, key, signal_fd)
            log.info("delivered %d events", delivered)
            return 0
        except Undelivered as e:
            log.error("giving up, not acknowledged: %s", e)
            return EXIT_UNDELIVERED
        except psycopg.errors.UndefinedFunction as e:
            log.error("%s (is credits 0.8.0 installed in this database?)", e)
            return 1
        except psycopg.OperationalError as e:
            # Lost or refused connection: the next round claims again from the last ack.
            if args.once or stopping:
                log.error("%s", e)
                return 1
            failures = 1 if time.monotonic() - started > MAX_RETRY_DELAY else failures + 1
            delay = random.uniform(0.5, 1.0) * min(MAX_RETRY_DELAY, 2 ** failures)
            log.error("%s; reconnecting in %.1fs", str(e).strip(), delay)
            try:
                Waker(None, signal_fd).wait(delay)
            except Stop:
                return 0
        except psycopg.Error as e:  # CR028 (other types), CR026, privileges, ...
            log.error("%s (SQLSTATE %s)", str(e).strip(), e.sqlstate)
            return 1


if __name__ == "__main__":
    sys.exit(main())
