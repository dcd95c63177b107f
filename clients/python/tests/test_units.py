"""Conversions that need no server."""

from __future__ import annotations

import datetime as dt
import json
import unittest
from decimal import Decimal

from credits_client import Account, _convert as cv
from credits_client.client import _call_sql
from credits_client.types import _iso_duration


class ConversionTests(unittest.TestCase):
    def test_amounts(self):
        self.assertEqual(cv.amount("0.10"), Decimal("0.10"))
        self.assertEqual(str(cv.amount("0.10")), "0.10")  # the scale is kept
        self.assertEqual(cv.amount(5), Decimal(5))
        self.assertIsNone(cv.amount(None))
        for bad in (0.1, True, b"1", [1]):
            with self.assertRaises(TypeError):
                cv.amount(bad)
        with self.assertRaises(ValueError):
            cv.amount("1,5")

    def test_durations(self):
        self.assertEqual(_iso_duration(dt.timedelta(days=30)), "P30D")
        self.assertEqual(_iso_duration(dt.timedelta(hours=1, minutes=30)), "PT1H30M")
        self.assertEqual(_iso_duration(dt.timedelta(days=1, microseconds=500000)), "P1DT0.5S")
        self.assertEqual(_iso_duration(dt.timedelta(0)), "PT0S")
        self.assertEqual(_iso_duration(dt.timedelta(seconds=-90)), "PT-1M-30S")
        self.assertEqual(cv.duration("30 days", "x"), "30 days")
        with self.assertRaises(TypeError):
            cv.duration(30, "x")

    def test_interval_column_read_as_iso_text(self):
        # credits 0.8.0 returns default_grant_ttl as an interval, 0.9.0 as ISO 8601 text.
        row = {f: None for f in Account.__dataclass_fields__}
        row.update(default_grant_ttl=dt.timedelta(days=30), notify_emails=["a@example.com"],
                   metadata={"a": 1}, unknown_new_column=1)
        account = Account._from_row(row)
        self.assertEqual(account.default_grant_ttl, "P30D")
        self.assertEqual(account.notify_emails, ("a@example.com",))
        self.assertEqual(account.metadata, {"a": 1})

    def test_batch_json(self):
        payload, n = cv.batch_ops([{"op": "reserve", "account": "u", "amount": Decimal("1.50"),
                                    "expires_in": dt.timedelta(seconds=90),
                                    "metadata": {"t": 0.5, "d": Decimal("2.0")}}])
        self.assertEqual(n, 1)
        self.assertEqual(json.loads(cv.dumps(payload.obj)),
                         [{"op": "reserve", "account": "u", "amount": "1.50",
                           "expires_in": "PT1M30S", "metadata": {"t": 0.5, "d": "2.0"}}])
        self.assertEqual(cv.json_loads('{"a": 0.10, "b": 2}'), {"a": Decimal("0.10"), "b": 2})

    def test_call_sql(self):
        sql, params = _call_sql("credits_debit", [("account", "", "u"), ("amount", "::numeric", 5),
                                                  ("description", "", None)])
        self.assertEqual(sql, 'SELECT * FROM credits_debit("account" => %s, "amount" => %s::numeric)')
        self.assertEqual(params, ["u", 5])


if __name__ == "__main__":
    unittest.main()
