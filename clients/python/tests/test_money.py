"""Moving credits: exact Decimal amounts, no floats, idempotency, transfers, reversals,
adjustments, grants."""

from __future__ import annotations

import datetime as dt
import unittest
from decimal import Decimal

from credits_client import (IdempotencyConflict, InsufficientCredits, InvalidAmount,
                            ReversalExceedsOriginal, Transaction, TransactionNotFound,
                            UnitMismatch)

from .support import CreditsTestCase, uid


class DecimalTests(CreditsTestCase):
    def test_exact_decimals(self):
        ext = self.account(scale=2)
        self.client.add_credits(ext, "0.10")
        tx = self.client.add_credits(ext, "0.20")
        self.assertEqual(tx.balance, Decimal("0.30"))
        self.assertEqual(str(tx.balance), "0.30")
        self.assertEqual(self.client.get_balance(ext).balance, Decimal("0.30"))
        tx = self.client.deduct_credits(ext, Decimal("0.05"))
        self.assertEqual(tx.available, Decimal("0.25"))
        self.assertEqual(tx.amount, Decimal("0.05"))
        big = self.client.add_credits(ext, Decimal("123456789012.34"))
        self.assertEqual(big.balance, Decimal("123456789012.59"))

    def test_int_str_decimal_accepted(self):
        ext = self.account(scale=2)
        self.client.add_credits(ext, 1)
        self.client.add_credits(ext, "2.50")
        self.client.add_credits(ext, Decimal("0.5"))
        self.assertEqual(self.client.get_balance(ext).balance, Decimal("4.00"))

    def test_floats_refused_before_anything_is_sent(self):
        ext = self.account(scale=2, initial_balance=10)
        res = self.client.create_reservation(ext, 1)
        for call in (
            lambda: self.client.add_credits(ext, 0.1),
            lambda: self.client.deduct_credits(ext, 0.1),
            lambda: self.client.create_transaction(ext, 1.0, type="credit"),
            lambda: self.client.create_reservation(ext, 0.5),
            lambda: self.client.confirm_reservation(res.id, 0.5),
            lambda: self.client.adjust_balance(ext, -0.5),
            lambda: self.client.reverse_transaction("txn_x", 0.5),
            lambda: self.client.set_alerts(ext, [1.5]),
            lambda: self.client.create_account("x", initial_balance=1.0),
            lambda: self.client.add_credits(ext, True),
            lambda: self.client.apply_batch([{"op": "debit", "account": ext, "amount": 0.1}]),
            lambda: self.client.charge(ext, model="m", input_tokens=1.0),
        ):
            with self.assertRaises(TypeError):
                call()
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(10))
        self.assertEqual(self.client.list_transactions(ext).pagination.total, 1)

    def test_malformed_amounts(self):
        ext = self.account(scale=2)
        with self.assertRaises(ValueError):
            self.client.add_credits(ext, "ten")
        with self.assertRaises(InvalidAmount):
            self.client.add_credits(ext, "0.001")  # more decimals than the scale: CR008
        with self.assertRaises(InvalidAmount):
            self.client.add_credits(ext, Decimal("NaN"))
        with self.assertRaises(InvalidAmount):
            self.client.add_credits(ext, -5)
        with self.assertRaises(TypeError):
            self.client.add_credits(ext)

    def test_jsonb_numbers_are_decimal(self):
        ext = self.account(scale=2)
        self.client.add_credits(ext, "0.30", category="promotional")
        self.client.deduct_credits(ext, "0.10", metadata={"price": Decimal("0.10"), "n": 2})
        entry = self.client.list_transactions(ext, limit=1).items[0]
        self.assertEqual(entry.metadata, {"price": "0.10", "n": 2})
        (amount,) = entry.grants.values()
        self.assertIsInstance(amount, Decimal)
        self.assertEqual(amount, Decimal("-0.10"))


class MovementTests(CreditsTestCase):
    def test_add_deduct_idempotent(self):
        ext = self.account()
        first = self.client.add_credits(external_id=ext, amount=1000, description="pack",
                                        reference="order_42", idempotency_key="order_42",
                                        metadata={"payment_id": "pay_1"})
        self.assertIsInstance(first, Transaction)
        self.assertEqual((first.type, first.amount, first.balance), ("credit", 1000, 1000))
        again = self.client.add_credits(ext, 1000, description="pack", reference="order_42",
                                        idempotency_key="order_42", metadata={"payment_id": "pay_1"})
        self.assertEqual(again.transaction_id, first.transaction_id)
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(1000))
        with self.assertRaises(IdempotencyConflict):
            self.client.add_credits(ext, 999, idempotency_key="order_42")
        debit = self.client.deduct_credits(account_id=first.account_id, amount=50,
                                           description="API usage", metadata={"action": "chat"})
        self.assertEqual((debit.type, debit.amount, debit.balance), ("debit", 50, 950))
        with self.assertRaises(InsufficientCredits) as cm:
            self.client.deduct_credits(ext, 5000)
        self.assertEqual(cm.exception.sqlstate, "CR001")
        self.assertIn("950", cm.exception.detail)

    def test_create_transaction(self):
        ext = self.account()
        credit = self.client.create_transaction(ext, 100, type="credit", description="Refund",
                                                metadata={"reason": "support"})
        debit = self.client.create_transaction(external_id=ext, amount=30, type="debit")
        self.assertEqual((credit.type, debit.type, debit.balance), ("credit", "debit", 70))
        with self.assertRaises(ValueError):
            self.client.create_transaction(ext, 1, type="refund")

    def test_transfer_reverse_adjust(self):
        a = self.account(initial_balance=100)
        b = self.account()
        t = self.client.transfer_credits(a, b, 40, description="gift", idempotency_key="t1")
        self.assertEqual((t.from_balance, t.to_balance, t.amount), (60, 40, 40))
        self.assertEqual(self.client.transfer_credits(a, b, 40, description="gift",
                                                      idempotency_key="t1").transaction_id,
                         t.transaction_id)
        usd = self.account(unit="USD")
        with self.assertRaises(UnitMismatch):
            self.client.transfer_credits(a, usd, 1)

        debit = self.client.deduct_credits(a, 20)
        part = self.client.reverse_transaction(debit.transaction_id, 5, reason="partial refund")
        self.assertEqual((part.reverses, part.type, part.amount), (debit.transaction_id, "reversal", 5))
        rest = self.client.reverse_transaction(debit.transaction_id)
        self.assertEqual(rest.amount, 15)
        self.assertEqual(rest.balance, 60)
        with self.assertRaises(ReversalExceedsOriginal):
            self.client.reverse_transaction(debit.transaction_id, 1)
        other = self.client.for_tenant(uid("tenant"))
        other.create_account("elsewhere", initial_balance=5)
        theirs = other.add_credits("elsewhere", 1)
        with self.assertRaises(TransactionNotFound):  # another tenant's transaction
            self.client.reverse_transaction(theirs.transaction_id)

        adj = self.client.adjust_balance(a, -10, reason="correction")
        self.assertEqual((adj.type, adj.amount, adj.balance), ("adjustment", -10, 50))

    def test_grants(self):
        ext = self.account()
        self.client.add_credits(ext, 100, description="paid")
        promo = self.client.add_credits(ext, 30, expires_in=dt.timedelta(days=30),
                                        category="promotional")
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=400)
        self.client.add_credits(ext, 20, expires_at=later, category="goodwill", priority=1)
        grants = self.client.list_grants(ext)
        self.assertEqual([(g.category, g.amount) for g in grants],
                         [("promotional", 30), ("goodwill", 20)])
        self.assertEqual(grants[0].transaction_id, promo.transaction_id)
        self.assertGreater(grants[0].expires_at, dt.datetime.now(dt.timezone.utc))
        self.client.deduct_credits(ext, 40)  # promo first, then goodwill
        grants = {g.category: g for g in self.client.list_grants(ext)}
        self.assertEqual((grants["promotional"].status, grants["goodwill"].remaining),
                         ("depleted", Decimal(10)))
        self.assertEqual([g.category for g in self.client.list_grants(ext, status="active")],
                         ["goodwill"])


if __name__ == "__main__":
    unittest.main()
