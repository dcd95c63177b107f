"""Batches: credits_apply with psycopg's Jsonb, amounts as exact strings."""

from __future__ import annotations

import datetime as dt
import unittest
from decimal import Decimal

from credits_client import BatchResult, InsufficientCredits

from .support import CreditsTestCase


class BatchTests(CreditsTestCase):
    def test_atomic_batch(self):
        a = self.account(scale=2)
        b = self.account(scale=2)
        results = self.client.apply_batch([
            {"op": "credit", "account": a, "amount": Decimal("10.10"), "idempotency_key": "k1",
             "metadata": {"price": Decimal("0.01"), "ratio": 0.5}},
            {"op": "debit", "account": a, "amount": "0.10", "description": "call"},
            {"op": "transfer", "from_account": a, "to_account": b, "amount": 5},
            {"op": "reserve", "account": b, "amount": "1.00", "expires_in": dt.timedelta(seconds=90)},
        ])
        self.assertEqual(len(results), 4)
        self.assertIsInstance(results[0], BatchResult)
        self.assertTrue(all(r.ok for r in results))
        self.assertEqual([r.index for r in results], [0, 1, 2, 3])
        self.assertEqual(results[1].balance, Decimal("10.00"))
        self.assertTrue(results[3].reservation_id.startswith("res_"))
        self.assertEqual(self.client.get_balance(b).available, Decimal("4.00"))
        entry = self.client.list_transactions(a, entry_type="credit").items[0]
        self.assertEqual(entry.metadata, {"price": "0.01", "ratio": Decimal("0.5")})

    def test_atomic_failure_writes_nothing(self):
        a = self.account(initial_balance=10)
        with self.assertRaises(InsufficientCredits):
            self.client.apply_batch([
                {"op": "debit", "account": a, "amount": 5},
                {"op": "debit", "account": a, "amount": 50},
            ])
        self.assertEqual(self.client.get_balance(a).balance, Decimal(10))

    def test_non_atomic_reports_each_failure(self):
        a = self.account(initial_balance=10)
        results = self.client.apply_batch([
            {"op": "debit", "account": a, "amount": 5},
            {"op": "debit", "account": a, "amount": 50},
            {"op": "debit", "account": a, "amount": 1},
        ], atomic=False)
        self.assertEqual([r.ok for r in results], [True, False, True])
        self.assertEqual(results[1].sqlstate, "CR001")
        self.assertTrue(results[1].message)
        self.assertEqual(self.client.get_balance(a).balance, Decimal(4))

    def test_floats_and_shapes_refused(self):
        a = self.account(initial_balance=10)
        with self.assertRaises(TypeError):
            self.client.apply_batch([{"op": "debit", "account": a, "amount": 1.5}])
        with self.assertRaises(TypeError):
            self.client.apply_batch([{"op": "charge", "account": a, "model": "m",
                                      "input_tokens": 10.0}])
        with self.assertRaises(TypeError):
            self.client.apply_batch({"op": "debit"})
        self.assertEqual(self.client.get_balance(a).balance, Decimal(10))


if __name__ == "__main__":
    unittest.main()
