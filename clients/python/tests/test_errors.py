"""Exceptions: one class per SQLSTATE of README "Errors", with message, detail and hint."""

from __future__ import annotations

import os
import re
import unittest

import psycopg

import credits_client
from credits_client import (AccountNotFound, CreditsError, ERRORS, InsufficientCredits,
                            InvalidParameter, from_psycopg)

from .support import CreditsTestCase, dsn, has_feature, setup_database

README = os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")

EXPECTED = {
    "CR001": "InsufficientCredits", "CR002": "AccountNotFound", "CR003": "IdempotencyConflict",
    "CR004": "ReservationNotFound", "CR005": "ReservationNotPending",
    "CR006": "ReservationExpired", "CR007": "AccountNotActive", "CR008": "InvalidAmount",
    "CR009": "TransactionNotFound", "CR010": "ReversalExceedsOriginal",
    "CR011": "DuplicateAccount", "CR012": "InvalidParameter", "CR013": "AccountNotEmpty",
    "CR014": "WriteRefused", "CR015": "UnitMismatch", "CR016": "PlanNotFound",
    "CR017": "DuplicatePlan", "CR018": "SubscriptionNotFound", "CR019": "UnsupportedTableChange",
    "CR020": "ShardNotLocal", "CR021": "PriceNotFound", "CR022": "PriceConflict",
    "CR023": "UsageTimeOutOfRange", "CR024": "ReloadRequestNotFound",
    "CR025": "ReloadRequestCompleted", "CR026": "ConsumerNotFound", "CR027": "EventNotFound",
    "CR028": "DuplicateConsumer", "22003": "NumericValueOutOfRange",
    "25006": "ReadOnlyTransaction", "40001": "SerializationFailure", "40P01": "DeadlockDetected",
    "42501": "InsufficientPrivilege",
}


class ErrorMappingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        setup_database()

    def test_every_readme_code_has_a_class(self):
        if not os.path.exists(README):
            self.skipTest("README.md of credits not found")
        with open(README, encoding="utf-8") as f:
            text = f.read()
        section = text.split("\n## Errors", 1)[1].split("\n## ", 1)[0]
        codes = set(re.findall(r"^\| (CR\d{3}) \|", section, re.M))
        self.assertGreaterEqual(len(codes), 28)
        self.assertEqual(codes - set(ERRORS), set())

    def test_classes(self):
        for code, name in EXPECTED.items():
            cls = getattr(credits_client, name)
            self.assertIs(ERRORS[code], cls)
            self.assertTrue(issubclass(cls, CreditsError))
            self.assertEqual(cls.code, code)

    def test_raised_from_the_server_by_sqlstate(self):
        # Every mapped SQLSTATE as the server raises it, with detail and hint.
        with psycopg.connect(dsn(), autocommit=True) as conn:
            for code, name in EXPECTED.items():
                with self.assertRaises(psycopg.Error) as cm:
                    conn.execute(f"DO $$ BEGIN RAISE EXCEPTION 'boom %' , '{code}' USING "
                                 f"ERRCODE = '{code}', DETAIL = 'd', HINT = 'h'; END $$")
                error = from_psycopg(cm.exception)
                self.assertIsInstance(error, getattr(credits_client, name), code)
                self.assertEqual((error.sqlstate, error.message, error.detail, error.hint),
                                 (code, f"boom {code}", "d", "h"))
            with self.assertRaises(psycopg.Error) as cm:
                conn.execute("SELECT 1/0")
            error = from_psycopg(cm.exception)
            self.assertIs(type(error), CreditsError)  # not one of credits': the base class
            self.assertEqual(error.sqlstate, "22012")


class ClientErrorTests(CreditsTestCase):
    def test_attributes(self):
        ext = self.account(initial_balance=5)
        with self.assertRaises(InsufficientCredits) as cm:
            self.client.deduct_credits(ext, 6)
        e = cm.exception
        self.assertEqual(e.sqlstate, "CR001")
        self.assertIn(ext, e.message)
        self.assertTrue(e.detail)
        if has_feature("list_entries"):  # credits 0.9.0 gives CR001 and CR007 a HINT
            self.assertTrue(e.hint)
        self.assertIsInstance(e.__cause__, psycopg.Error)
        self.assertIn("CR001", str(e))
        self.assertFalse(e.retryable)

    def test_the_session_is_not_left_broken(self):
        with self.assertRaises(AccountNotFound):
            self.client.get_balance(external_id="nobody")
        with self.assertRaises(InvalidParameter):
            self.client.list_transactions(self.account(), entry_type="bogus")
        self.assertEqual(len(self.client.list_accounts()), 1)

    def test_connection_errors_stay_psycopgs(self):
        client = CreditsClient_bad()
        with self.assertRaises(psycopg.OperationalError):
            client.get_balance("x")


def CreditsClient_bad():
    return credits_client.CreditsClient("host=/nonexistent-socket-dir port=1", connect_timeout=2)


if __name__ == "__main__":
    unittest.main()
