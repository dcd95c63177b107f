"""Usage metering: prices, quotes, charges, usage records, listings and summaries."""

from __future__ import annotations

import unittest
from decimal import Decimal

from credits_client import IdempotencyConflict, Page, PriceNotFound, Quote, UsageRecord

from .support import CreditsTestCase


class UsageTests(CreditsTestCase):
    def setUp(self):
        super().setUp()
        self.client.set_price("gpt-4o", input_price=250, cached_input_price=Decimal(125),
                              output_price="1000", effective_from="2020-01-01")

    def test_quote_and_charge(self):
        ext = self.account(initial_balance=100, scale=2)
        quote = self.client.quote(ext, model="gpt-4o", input_tokens=476,
                                  cached_input_tokens=1024, output_tokens=300)
        self.assertIsInstance(quote, Quote)
        self.assertEqual(quote.cost, Decimal("0.547"))  # exact, not rounded
        self.assertEqual(quote.amount, Decimal("0.55"))  # rounded up to the scale
        charge = self.client.charge(ext, model="gpt-4o", input_tokens=476,
                                    cached_input_tokens=1024, output_tokens=300,
                                    endpoint="/v1/chat/completions", idempotency_key="req_1",
                                    metadata={"user": "u"})
        self.assertIsInstance(charge, UsageRecord)
        self.assertEqual((charge.cost, charge.charged, charge.balance),
                         (Decimal("0.547"), Decimal("0.55"), Decimal("99.45")))
        self.assertFalse(charge.replayed)
        replay = self.client.charge(ext, model="gpt-4o", input_tokens=476,
                                    cached_input_tokens=1024, output_tokens=300,
                                    endpoint="/v1/chat/completions", idempotency_key="req_1",
                                    metadata={"user": "u"})
        self.assertTrue(replay.replayed)
        self.assertEqual(replay.id, charge.id)
        self.assertEqual(self.client.get_balance(ext).balance, Decimal("99.45"))
        with self.assertRaises(IdempotencyConflict):
            self.client.charge(ext, model="gpt-4o", input_tokens=1, idempotency_key="req_1")
        with self.assertRaises(PriceNotFound):
            self.client.charge(ext, model="unpriced", input_tokens=1)

    def test_charge_on_reservation(self):
        ext = self.account(initial_balance=10)
        res = self.client.create_reservation(ext, 5)
        charge = self.client.charge(ext, model="gpt-4o", output_tokens=2000,
                                    reservation_id=res.id)
        self.assertEqual((charge.charged, charge.reservation_id), (Decimal(2), res.id))
        self.assertEqual(self.client.get_balance(ext).available, Decimal(8))

    def test_record_usage_listing_and_summary(self):
        ext = self.account(initial_balance=1000)
        res = self.client.create_reservation(ext, 500)
        confirm = self.client.confirm_reservation(res.id, 420)
        record = self.client.record_usage(
            context="customer", transaction_id=confirm.transaction_id,
            account_id=confirm.account_id, model="gpt-4o", usage_type="text",
            input_tokens=1000, output_tokens=420, description="Chat completion")
        self.assertEqual((record.transaction_id, record.charged, record.cost),
                         (confirm.transaction_id, None, None))
        for i in range(3):
            self.client.record_usage(ext, model="small", input_tokens=10, cost="0.25",
                                     endpoint="/v1/embeddings", context="developer")
        usage = self.client.get_usage(external_id=ext, context="customer")
        self.assertIsInstance(usage, Page)
        self.assertEqual([u.id for u in usage], [record.id])
        self.assertEqual(usage.pagination.total, 1)
        page = self.client.get_usage(ext, limit=2, offset=2)
        self.assertEqual((len(page), page.pagination.total, page.pagination.has_more), (2, 4, False))
        self.assertEqual(self.client.get_usage().pagination.total, 4)  # the whole tenant
        self.assertEqual(self.client.get_usage(model="small").pagination.total, 3)

        (summary,) = self.client.get_usage_summary("developer")
        self.assertEqual((summary.total_requests, summary.credits_consumed, summary.input_tokens),
                         (3, Decimal("0.75"), 30))
        self.assertEqual(summary.requests_by_endpoint, {"/v1/embeddings": 3})
        by_model = self.client.get_usage_summary(account=ext, group_by=["model"])
        self.assertEqual([(s.model, s.records) for s in by_model], [("gpt-4o", 1), ("small", 3)])

        overview = self.client.get_account_summary(ext)
        self.assertEqual((overview.total_requests, overview.balance), (4, Decimal(580)))
        self.assertEqual(overview.usage_this_month["total_requests"], 4)
        # A JSON number in jsonb, read as Decimal (psycopg alone would give a float).
        self.assertEqual(overview.usage_this_month["credits_consumed"], Decimal("0.75"))
        self.assertIsInstance(overview.usage_this_month["credits_consumed"], Decimal)


if __name__ == "__main__":
    unittest.main()
