"""How the client uses connections: the application's transaction (savepoints), its own
connection, pools, tenants per transaction, no named prepared statements."""

from __future__ import annotations

import contextlib
import unittest
from decimal import Decimal

import psycopg
from psycopg.pq import TransactionStatus

from credits_client import (AccountNotFound, CreditsClient, InsufficientCredits,
                            InsufficientPrivilege, ReadOnlyTransaction, SerializationFailure)

from .support import CreditsTestCase, dsn, uid


class AppTransactionTests(CreditsTestCase):
    def test_rolled_back_with_the_application(self):
        conn = self.connect()  # not autocommit: the application's own transaction
        conn.execute("CREATE TEMP TABLE orders (id text) ON COMMIT PRESERVE ROWS")
        conn.commit()
        client = CreditsClient(conn, tenant=self.tenant)
        ext = uid("user")
        with self.assertRaises(RuntimeError):
            with conn.transaction():
                conn.execute("INSERT INTO orders VALUES ('order_1')")
                client.create_account(ext, initial_balance=100)
                client.deduct_credits(ext, 30)
                raise RuntimeError("payment failed")
        with self.assertRaises(AccountNotFound):
            self.client.get_account(ext)  # nothing was written
        self.assertEqual(conn.execute("SELECT count(*) FROM orders").fetchone()[0], 0)

        # Without a transaction block of its own, the application's implicit transaction.
        conn.execute("INSERT INTO orders VALUES ('order_2')")
        client.create_account(ext, initial_balance=100)
        self.assertEqual(conn.info.transaction_status, TransactionStatus.INTRANS)
        conn.rollback()
        with self.assertRaises(AccountNotFound):
            self.client.get_account(ext)

    def test_continues_after_a_credits_error(self):
        conn = self.connect()
        conn.execute("CREATE TEMP TABLE orders (id text) ON COMMIT PRESERVE ROWS")
        conn.commit()
        client = CreditsClient(conn, tenant=self.tenant)
        ext = uid("user")
        with conn.transaction():
            conn.execute("INSERT INTO orders VALUES ('order_1')")
            client.create_account(ext, initial_balance=10)
            with self.assertRaises(InsufficientCredits):
                client.deduct_credits(ext, 100)
            # The failed call rolled back to its savepoint: the transaction goes on.
            self.assertEqual(conn.info.transaction_status, TransactionStatus.INTRANS)
            client.add_credits(ext, 5)
            conn.execute("INSERT INTO orders VALUES ('order_2')")
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(15))
        self.assertEqual(conn.execute("SELECT count(*) FROM orders").fetchone()[0], 2)

    def test_autocommit_connection_commits_each_call(self):
        conn = self.connect(autocommit=True)
        client = CreditsClient(conn, tenant=self.tenant)
        ext = uid("user")
        client.create_account(ext, initial_balance=7)
        self.assertEqual(conn.info.transaction_status, TransactionStatus.IDLE)
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(7))

    def test_tenant_is_set_per_transaction_only(self):
        conn = self.connect(autocommit=True)
        client = CreditsClient(conn, tenant=self.tenant)
        client.create_account(uid("user"))
        setting = conn.execute("SELECT current_setting('credits.tenant', true)").fetchone()[0]
        self.assertNotEqual(setting, self.tenant)

    def test_no_named_prepared_statements(self):
        conn = self.connect(autocommit=True, prepare_threshold=0)  # psycopg would prepare all
        client = CreditsClient(conn, tenant=self.tenant)
        ext = uid("user")
        client.create_account(ext)
        for _ in range(10):
            client.add_credits(ext, 1)
            client.get_balance(ext)
        count = conn.execute("SELECT count(*) FROM pg_prepared_statements",
                             prepare=False).fetchone()[0]
        self.assertEqual(count, 0)

        own = CreditsClient(dsn(), tenant=self.tenant)
        self.addCleanup(own.close)
        for _ in range(10):
            own.get_balance(ext)
        with own._source.connection() as c:  # the client's own connection
            self.assertIsNone(c.prepare_threshold)
            self.assertEqual(c.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0], 0)

    def test_pool(self):
        class Pool:  # the part of psycopg_pool.ConnectionPool the client uses
            def __init__(self):
                self.handed_out = 0

            @contextlib.contextmanager
            def connection(self):
                self.handed_out += 1
                with psycopg.connect(dsn()) as conn:  # commits on exit, like the pool
                    yield conn

        pool = Pool()
        client = CreditsClient(pool, tenant=self.tenant)
        ext = uid("user")
        client.create_account(ext, initial_balance=3)
        client.add_credits(ext, 2)
        self.assertEqual(client.get_balance(ext).balance, Decimal(5))
        self.assertGreaterEqual(pool.handed_out, 3)

    def test_own_connection_reconnects(self):
        ext = self.account(initial_balance=1)
        with self.client._source.connection() as c:
            pid = c.info.backend_pid
        with psycopg.connect(dsn(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with self.assertRaises(psycopg.OperationalError):  # no SQLSTATE: psycopg's own error
            self.client.get_balance(ext)
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(1))


class TenantTests(CreditsTestCase):
    def test_isolation(self):
        other = self.client.for_tenant(uid("tenant"))
        ext = uid("user")
        mine = self.client.create_account(ext, initial_balance=10)
        with self.assertRaises(AccountNotFound):
            other.get_account(ext)
        with self.assertRaises(AccountNotFound):
            other.get_balance(account_id=mine.id)
        theirs = other.create_account(ext, initial_balance=3)  # same external_id, other tenant
        self.assertNotEqual(theirs.id, mine.id)
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(10))
        self.assertEqual(other.get_balance(ext).balance, Decimal(3))
        self.assertEqual([a.id for a in other.list_accounts()], [theirs.id])
        self.assertEqual(self.client.list_accounts().pagination.total, 1)

    def test_one_connection_two_tenants(self):
        conn = self.connect()
        a = CreditsClient(conn, tenant=uid("tenant"))
        b = CreditsClient(conn, tenant=uid("tenant"))
        with conn.transaction():
            a.create_account("same", initial_balance=1)
            b.create_account("same", initial_balance=2)
            self.assertEqual(a.get_balance("same").balance, Decimal(1))
            self.assertEqual(b.get_balance("same").balance, Decimal(2))


class ServerErrorTests(CreditsTestCase):
    def test_read_only_transaction(self):
        ext = self.account(initial_balance=5)
        conn = self.connect()
        conn.read_only = True
        client = CreditsClient(conn, tenant=self.tenant)
        self.assertEqual(client.get_balance(ext).balance, Decimal(5))  # reads work
        with self.assertRaises(ReadOnlyTransaction) as cm:
            client.deduct_credits(ext, 1)
        self.assertEqual(cm.exception.sqlstate, "25006")

    def test_insufficient_privilege(self):
        role = uid("noaccess")
        with psycopg.connect(dsn(), autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{role}"')
        def drop():
            with psycopg.connect(dsn(), autocommit=True) as admin:
                admin.execute(f'DROP ROLE "{role}"')
        self.addCleanup(drop)
        conn = self.connect(autocommit=True)
        conn.execute(f'SET ROLE "{role}"')
        with self.assertRaises(InsufficientPrivilege) as cm:
            CreditsClient(conn, tenant=self.tenant).get_balance("x")
        self.assertEqual(cm.exception.sqlstate, "42501")

    def test_serialization_failure(self):
        ext = self.account(initial_balance=10)
        conn = self.connect()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        client = CreditsClient(conn, tenant=self.tenant)
        with self.assertRaises(SerializationFailure) as cm:
            with conn.transaction():
                client.get_balance(ext)               # takes the snapshot
                self.client.deduct_credits(ext, 1)    # another session moves the account
                client.deduct_credits(ext, 1)
        self.assertTrue(cm.exception.retryable)
        self.assertEqual(client.deduct_credits(ext, 1).balance, Decimal(8))  # the retry


if __name__ == "__main__":
    unittest.main()
