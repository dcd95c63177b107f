"""Accounts, lifecycle, plans: CRUD and the shapes of the results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unittest
from decimal import Decimal

from credits_client import (Account, AccountNotActive, AccountNotEmpty, AccountNotFound,
                            DuplicateAccount, FeatureNotAvailable, IdempotencyConflict,
                            InvalidParameter, Page, PlanNotFound, SubscriptionNotFound)

from .support import CreditsTestCase, has_feature, legacy, uid


class AccountTests(CreditsTestCase):
    def test_create_and_get_by_either_id(self):
        ext = uid("user")
        account = self.client.create_account(
            ext, name="Alice", email="alice@example.com", metadata={"plan": "free", "n": 1},
            unit="USD", scale=2, overdraft_limit="5.00", initial_balance=Decimal("10.50"),
            owner_id="cust_1", default_grant_ttl=dt.timedelta(days=30),
            min_credit_amount=1, notify_emails=["ops@example.com"])
        self.assertIsInstance(account, Account)
        self.assertTrue(account.id.startswith("acc_"))
        self.assertEqual(account.external_id, ext)
        self.assertEqual(account.balance, Decimal("10.50"))
        self.assertIsInstance(account.balance, Decimal)
        self.assertEqual(account.available, Decimal("10.50"))
        self.assertEqual(account.overdraft_limit, Decimal("5.00"))
        self.assertEqual(account.scale, 2)
        self.assertEqual(account.unit, "USD")
        self.assertEqual(account.metadata, {"plan": "free", "n": 1})
        self.assertEqual(account.notify_emails, ("ops@example.com",))
        self.assertEqual(account.default_grant_ttl, "P30D")
        self.assertEqual(account.min_credit_amount, Decimal(1))
        self.assertEqual(account.status, "active")
        self.assertIsNotNone(account.created_at.tzinfo)

        by_id = self.client.get_account(account_id=account.id)
        by_ext = self.client.get_account(external_id=ext)
        self.assertEqual(by_id, by_ext)
        self.assertEqual(self.client.get_account(ext).id, account.id)
        with self.assertRaises(dataclasses.FrozenInstanceError):
            by_id.balance = Decimal(0)  # type: ignore[misc]

    def test_get_account_needs_exactly_one_id(self):
        with self.assertRaises(TypeError):
            self.client.get_account()
        with self.assertRaises(TypeError):
            self.client.get_account(account_id="acc_x", external_id="x")

    def test_unknown_and_duplicate(self):
        with self.assertRaises(AccountNotFound) as cm:
            self.client.get_account(external_id=uid("nobody"))
        self.assertEqual(cm.exception.sqlstate, "CR002")
        ext = self.account()
        with self.assertRaises(DuplicateAccount):
            self.client.create_account(ext)
        with self.assertRaises(InvalidParameter):
            self.client.create_account(" leading space")

    def test_balance(self):
        ext = self.account(initial_balance=100)
        self.client.create_reservation(ext, 30)
        balance = self.client.get_balance(external_id=ext)
        self.assertEqual((balance.balance, balance.reserved, balance.available),
                         (Decimal(100), Decimal(30), Decimal(70)))
        self.assertEqual(balance.external_id, ext)

    def test_update_and_lifecycle(self):
        ext = self.account(initial_balance=5)
        updated = self.client.update_account(ext, name="Bob", metadata={"tier": "gold"},
                                             overdraft_limit=10)
        self.assertEqual((updated.name, updated.metadata, updated.overdraft_limit),
                         ("Bob", {"tier": "gold"}, Decimal(10)))
        frozen = self.client.freeze_account(ext, reason="chargeback")
        self.assertEqual(frozen.status, "frozen")
        with self.assertRaises(AccountNotActive):
            self.client.deduct_credits(ext, 1)
        self.client.add_credits(ext, 1)  # credits still arrive
        self.assertEqual(self.client.unfreeze_account(ext).status, "active")
        with self.assertRaises(AccountNotEmpty):
            self.client.close_account(ext)
        self.client.deduct_credits(ext, 6)
        self.assertEqual(self.client.close_account(ext, reason="left").status, "closed")
        self.assertEqual(self.client.reopen_account(ext).status, "active")
        history = self.client.get_status_history(ext)
        self.assertEqual([(h.from_status, h.to_status) for h in history],
                         [("active", "frozen"), ("frozen", "active"), ("active", "closed"),
                          ("closed", "active")])
        self.assertEqual(history[0].reason, "chargeback")

    @unittest.skipUnless(has_feature("create_account_idempotency"),
                         "credits_create_account has no idempotency_key (before 0.9.0)")
    def test_create_account_retry_with_idempotency_key(self):
        ext = uid("user")
        first = self.client.create_account(ext, name="Alice", idempotency_key="signup-1")
        again = self.client.create_account(ext, name="Alice", idempotency_key="signup-1")
        self.assertEqual(first.id, again.id)
        with self.assertRaises(IdempotencyConflict):
            self.client.create_account(ext, name="Someone else", idempotency_key="signup-1")
        with self.assertRaises(DuplicateAccount):
            self.client.create_account(ext, name="Alice")

    def test_idempotency_key_refused_before_the_server_has_it(self):
        client = legacy(self.client)
        with self.assertRaises(FeatureNotAvailable):
            client.create_account(uid("user"), idempotency_key="k")


class ListAccountsTests(CreditsTestCase):
    def check_listing(self, client):
        made = []
        for i in range(5):
            made.append(client.create_account(
                uid("user"), owner_id="cust_a" if i < 3 else "cust_b",
                metadata={"plan": "pro" if i % 2 == 0 else "free"}).id)
        client.freeze_account(account_id=made[4])

        page = client.list_accounts(limit=2)
        self.assertIsInstance(page, Page)
        self.assertEqual([a.id for a in page.items], made[:2])  # oldest first
        self.assertEqual(page.pagination.total, 5)
        self.assertTrue(page.pagination.has_more)
        self.assertEqual((page.pagination.limit, page.pagination.offset), (2, 0))

        second = client.list_accounts(limit=2, offset=2)
        self.assertEqual([a.id for a in second.items], made[2:4])
        last = client.list_accounts(limit=2, offset=4)
        self.assertEqual([a.id for a in last.items], made[4:])
        self.assertFalse(last.pagination.has_more)
        past = client.list_accounts(limit=2, offset=10)
        self.assertEqual((past.items, past.pagination.total), ((), 5))

        # The cursor: every account once, in order, even as new ones arrive.
        seen = []
        after = None
        while True:
            page = client.list_accounts(limit=2, after=after)
            seen.extend(a.id for a in page.items)
            if not page.items:
                break
            after = page.pagination.cursor
            if len(seen) == 2:
                made.append(client.create_account(uid("user"), owner_id="cust_c").id)
        self.assertEqual(seen, made)

        self.assertEqual([a.id for a in client.list_accounts(owner_id="cust_a")], made[:3])
        self.assertEqual(client.list_accounts(owner_id="cust_a").pagination.total, 3)
        self.assertEqual([a.id for a in client.list_accounts(status="frozen")], [made[4]])
        self.assertEqual([a.id for a in client.list_accounts(metadata={"plan": "pro"})],
                         [made[0], made[2], made[4]])
        self.assertEqual(len(client.list_accounts(owner_id="cust_a", metadata={"plan": "free"})), 1)

    @unittest.skipUnless(has_feature("list_accounts"), "no credits_list_accounts (before 0.9.0)")
    def test_list_accounts(self):
        self.check_listing(self.client)

    def test_list_accounts_view_and_count(self):
        self.check_listing(legacy(self.client))


class PlanTests(CreditsTestCase):
    def test_plans(self):
        plan = self.client.create_plan("pro", "Pro", Decimal(1000), "month", rollover="all",
                                       metadata={"seats": 3})
        self.client.create_plan("basic", "Basic", 100, "week")
        self.assertEqual([p.code for p in self.client.list_plans()], ["pro", "basic"])
        self.assertEqual(plan.allowance, Decimal(1000))
        ext = self.account()
        sub = self.client.assign_plan_to_account(external_id=ext, plan_id=plan.id,
                                                 start_mode="immediate")
        self.assertEqual((sub.plan_code, sub.status), ("pro", "active"))
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(1000))
        grants = self.client.list_grants(ext)
        self.assertEqual([(g.category, g.amount) for g in grants], [("allocation", Decimal(1000))])
        self.assertEqual(self.client.cancel_plan(ext).status, "cancelled")
        with self.assertRaises(SubscriptionNotFound):
            self.client.cancel_plan(ext)
        with self.assertRaises(PlanNotFound):
            self.client.assign_plan_to_account(ext, plan_id="nope")


if __name__ == "__main__":
    unittest.main()
