"""Test support: a database of the tests' own on the server in the environment (PG*)."""

from __future__ import annotations

import os
import unittest
import uuid

import psycopg
from psycopg import sql

from credits_client import CreditsClient

DATABASE = os.environ.get("CREDITS_TEST_DATABASE", "credits_python_client")
ADMIN_DATABASE = os.environ.get("CREDITS_TEST_ADMIN_DATABASE", "postgres")
# An older version of the extension's SQL to test against (say 0.8.0); default: the newest.
EXTENSION_VERSION = os.environ.get("CREDITS_TEST_EXTENSION_VERSION", "")

_ready = False


def dsn() -> str:
    return psycopg.conninfo.make_conninfo("", dbname=DATABASE)


def setup_database() -> None:
    """Creates the test database afresh with the extension, once per run."""
    global _ready
    if _ready:
        return
    with psycopg.connect(dbname=ADMIN_DATABASE, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    with psycopg.connect(dsn(), autocommit=True) as conn:
        if EXTENSION_VERSION:
            conn.execute(sql.SQL("CREATE EXTENSION credits VERSION {}").format(
                sql.Literal(EXTENSION_VERSION)))
        else:
            conn.execute("CREATE EXTENSION credits")
    _ready = True


def uid(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def legacy(client: CreditsClient) -> CreditsClient:
    """The client taking the credits 0.8.0 paths (view + count(*)) even on 0.9.0."""
    client._has("list_entries")
    client._features.update(list_entries=False, list_accounts=False,
                            create_account_idempotency=False)
    return client


def has_feature(name: str) -> bool:
    setup_database()
    with CreditsClient(dsn()) as client:
        return client._has(name)


class CreditsTestCase(unittest.TestCase):
    """Every test gets a tenant of its own, so tests never see each other's rows."""

    @classmethod
    def setUpClass(cls) -> None:
        setup_database()

    def setUp(self) -> None:
        self.tenant = uid("tenant")
        self.client = CreditsClient(dsn(), tenant=self.tenant)
        self.addCleanup(self.client.close)

    def connect(self, **kwargs) -> "psycopg.Connection":
        conn = psycopg.connect(dsn(), **kwargs)
        self.addCleanup(conn.close)
        return conn

    def account(self, **kwargs) -> str:
        external_id = uid("user")
        self.client.create_account(external_id, **kwargs)
        return external_id

    def sql_value(self, query: str, *params):
        """One value read outside the client, in the test's tenant."""
        with psycopg.connect(dsn(), autocommit=True) as conn:
            with conn.transaction():
                conn.execute("SELECT set_config('credits.tenant', %s, true)", [self.tenant])
                return conn.execute(query, params).fetchone()[0]
