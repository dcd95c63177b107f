"""list_transactions: {items, pagination} with totals and a keyset cursor, on credits
0.9.0's credits_list_entries and on the 0.8.0 path (credits_ledger, the view, count(*))."""

from __future__ import annotations

import datetime as dt
import unittest
from decimal import Decimal

from credits_client import AccountNotFound, Entry, Page

from .support import CreditsTestCase, has_feature, legacy, uid


class _Pagination:
    def client_under_test(self):
        raise NotImplementedError

    def test_pages(self):
        client = self.client_under_test()
        ext = uid("user")
        client.create_account(ext)
        made = [client.add_credits(ext, i + 1, description=f"n{i}").transaction_id for i in range(7)]
        made.reverse()  # newest first

        page = client.list_transactions(ext, limit=3)
        self.assertIsInstance(page, Page)
        self.assertIsInstance(page.items[0], Entry)
        self.assertEqual([e.transaction_id for e in page.items], made[:3])
        self.assertEqual([e.id for e in page.items], [7, 6, 5])
        self.assertEqual(page.pagination.total, 7)
        self.assertEqual((page.pagination.limit, page.pagination.offset), (3, 0))
        self.assertTrue(page.pagination.has_more)
        self.assertIsNotNone(page.pagination.cursor)
        self.assertEqual(page.items[0].balance_after, Decimal(28))

        page3 = client.list_transactions(ext, limit=3, offset=6)
        self.assertEqual([e.transaction_id for e in page3.items], made[6:])
        self.assertFalse(page3.pagination.has_more)
        past = client.list_transactions(ext, limit=3, offset=30)
        self.assertEqual((past.items, past.pagination.total, past.pagination.has_more), ((), 7, False))

        # Keyset: new entries arriving between pages shift nothing.
        first = client.list_transactions(external_id=ext, limit=3)
        client.deduct_credits(ext, 1)
        client.deduct_credits(ext, 1)
        second = client.list_transactions(external_id=ext, limit=3, after=first.pagination.cursor)
        self.assertEqual([e.transaction_id for e in second.items], made[3:6])
        self.assertEqual(second.pagination.total, 9)
        third = client.list_transactions(external_id=ext, limit=3, after=second.pagination.cursor)
        self.assertEqual([e.transaction_id for e in third.items], made[6:])
        end = client.list_transactions(external_id=ext, limit=3, after=third.pagination.cursor)
        self.assertEqual((end.items, end.pagination.total), ((), 9))

        walked = [e.id for e in client.iter_transactions(ext, page_size=4)]
        self.assertEqual(walked, list(range(9, 0, -1)))

    def test_filters(self):
        client = self.client_under_test()
        ext = uid("user")
        account = client.create_account(ext, initial_balance=100)
        for _ in range(4):
            client.deduct_credits(account_id=account.id, amount=1)
        debits = client.list_transactions(account_id=account.id, entry_type="debit", limit=3)
        self.assertEqual(debits.pagination.total, 4)
        self.assertEqual({e.type for e in debits.items}, {"debit"})
        nxt = client.list_transactions(account_id=account.id, entry_type="debit", limit=3,
                                       after=debits.pagination.cursor)
        self.assertEqual(len(nxt.items), 1)
        future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
        self.assertEqual(client.list_transactions(ext, since=future).pagination.total, 0)
        self.assertEqual(client.list_transactions(ext, until=future).pagination.total, 5)
        with self.assertRaises(AccountNotFound):
            client.list_transactions(external_id=uid("nobody"))


@unittest.skipUnless(has_feature("list_entries"), "no credits_list_entries (before 0.9.0)")
class ListEntriesTests(_Pagination, CreditsTestCase):
    def client_under_test(self):
        return self.client


class LedgerAndCountTests(_Pagination, CreditsTestCase):
    def client_under_test(self):
        return legacy(self.client)


if __name__ == "__main__":
    unittest.main()
