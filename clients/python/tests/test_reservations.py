"""Reservations: reserve, confirm, cancel, extend."""

from __future__ import annotations

import datetime as dt
import unittest
from decimal import Decimal

from credits_client import (Confirmation, InsufficientCredits, Reservation, ReservationNotFound,
                            ReservationNotPending)

from .support import CreditsTestCase


class ReservationTests(CreditsTestCase):
    def test_reserve_confirm_release(self):
        ext = self.account(initial_balance=1000)
        res = self.client.create_reservation(external_id=ext, amount=500,
                                             metadata={"request_id": "req_123"},
                                             idempotency_key="req_123")
        self.assertIsInstance(res, Reservation)
        self.assertTrue(res.id.startswith("res_"))
        self.assertEqual((res.status, res.reserved, res.available, res.balance),
                         ("pending", 500, 500, 1000))
        self.assertEqual(self.client.create_reservation(ext, 500, metadata={"request_id": "req_123"},
                                                        idempotency_key="req_123").id, res.id)
        confirm = self.client.confirm_reservation(res.id, 420)
        self.assertIsInstance(confirm, Confirmation)
        self.assertEqual((confirm.amount, confirm.released, confirm.balance, confirm.available),
                         (420, 80, 580, 580))
        self.assertEqual(confirm.reservation_id, res.id)
        self.assertTrue(confirm.transaction_id.startswith("txn_"))
        # The same confirm again returns the first result; anything else is CR005.
        self.assertEqual(self.client.confirm_reservation(res.id, 420).transaction_id,
                         confirm.transaction_id)
        with self.assertRaises(ReservationNotPending):
            self.client.cancel_reservation(res.id)

    def test_cancel_extend_and_errors(self):
        ext = self.account(initial_balance=100)
        res = self.client.create_reservation(ext, 60, expires_in=dt.timedelta(minutes=1))
        extended = self.client.extend_reservation(res.id, "1 hour")
        self.assertGreater(extended.expires_at, res.expires_at)
        with self.assertRaises(InsufficientCredits):
            self.client.create_reservation(ext, 41)
        cancelled = self.client.cancel_reservation(res.id)
        self.assertEqual((cancelled.status, cancelled.available), ("cancelled", 100))
        with self.assertRaises(ReservationNotPending):
            self.client.confirm_reservation(res.id, 1)
        with self.assertRaises(ReservationNotFound):
            self.client.cancel_reservation("res_01J00000000000000000000000")

    def test_on_excess(self):
        ext = self.account(initial_balance=100)
        res = self.client.create_reservation(ext, 10)
        with self.assertRaises(InsufficientCredits):
            self.client.confirm_reservation(res.id, 15)
        capped = self.client.confirm_reservation(res.id, 15, on_excess="cap")
        self.assertEqual((capped.amount, capped.balance), (Decimal(15), Decimal(85)))


if __name__ == "__main__":
    unittest.main()
