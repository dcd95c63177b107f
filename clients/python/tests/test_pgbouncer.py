"""Through a real PgBouncer in transaction pooling mode (one server connection per pool, so
every client shares it): tenants per transaction never leak, and no named prepared
statement is ever needed. Skipped without pgbouncer (Debian: apt-get install pgbouncer)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
from decimal import Decimal

import psycopg

from credits_client import AccountNotFound, CreditsClient, InsufficientCredits

from .support import DATABASE, CreditsTestCase, uid


@unittest.skipUnless(shutil.which("pgbouncer"), "no pgbouncer")
@unittest.skipUnless(os.environ.get("PGPASSWORD") and os.environ.get("PGHOST", "").strip()
                     and not os.environ.get("PGHOST", "").startswith("/"),
                     "needs PGHOST (TCP) and PGPASSWORD for PgBouncer to log in to the server")
class PgBouncerTests(CreditsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="credits-pybouncer-")
        cls.port = 6439
        env = os.environ
        user = env.get("PGUSER", "postgres")
        with open(os.path.join(cls.dir, "users.txt"), "w") as f:
            f.write(f'"{user}" "{env["PGPASSWORD"]}"\n')
        with open(os.path.join(cls.dir, "pgbouncer.ini"), "w") as f:
            f.write(f"""[databases]
{DATABASE} = host={env["PGHOST"]} port={env.get("PGPORT", "5432")} dbname={DATABASE}

[pgbouncer]
unix_socket_dir = {cls.dir}
listen_port = {cls.port}
auth_type = trust
auth_file = {cls.dir}/users.txt
pool_mode = transaction
default_pool_size = 1
logfile = {cls.dir}/pgbouncer.log
pidfile = {cls.dir}/pgbouncer.pid
""")
        command = ["pgbouncer", "-d", os.path.join(cls.dir, "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(cls.dir, "postgres")
            for name in os.listdir(cls.dir):
                shutil.chown(os.path.join(cls.dir, name), "postgres")
            command = ["runuser", "-u", "postgres", "--"] + command
        subprocess.run(command, check=True)
        cls.dsn = psycopg.conninfo.make_conninfo(host=cls.dir, port=cls.port, dbname=DATABASE,
                                                 user=user)
        for _ in range(100):
            try:
                psycopg.connect(cls.dsn, autocommit=True).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        else:
            cls.tearDownClass()
            raise RuntimeError("pgbouncer did not start")

    @classmethod
    def tearDownClass(cls):
        pidfile = os.path.join(cls.dir, "pgbouncer.pid")
        if os.path.exists(pidfile):
            with open(pidfile) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    def test_tenants_interleaved_on_one_server_connection(self):
        acme = CreditsClient(self.dsn, tenant=uid("acme"))
        globex = CreditsClient(self.dsn, tenant=uid("globex"))
        self.addCleanup(acme.close)
        self.addCleanup(globex.close)
        acme.create_account("user", initial_balance=1000)
        globex.create_account("user", initial_balance=2000)
        acme.create_account("acme-only")
        for _ in range(20):  # past psycopg's prepare threshold (5)
            acme.deduct_credits("user", 1)
            globex.deduct_credits("user", 2)
            with self.assertRaises(InsufficientCredits):
                acme.deduct_credits("acme-only", 1)
        self.assertEqual(acme.get_balance("user").balance, Decimal(980))
        self.assertEqual(globex.get_balance("user").balance, Decimal(1960))
        with self.assertRaises(AccountNotFound):
            globex.get_account("acme-only")
        with psycopg.connect(self.dsn, autocommit=True, prepare_threshold=None) as raw:
            pids = {raw.execute("SELECT pg_backend_pid()").fetchone()[0] for _ in range(3)}
            tenant = raw.execute("SELECT current_setting('credits.tenant', true)").fetchone()[0]
            prepared = raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
        self.assertEqual(len(pids), 1)  # one server connection for everybody
        self.assertNotIn(tenant, (acme.tenant, globex.tenant))
        self.assertEqual(prepared, 0)


if __name__ == "__main__":
    unittest.main()
