"""Alerts, auto-reload and the event feed: claim and acknowledge."""

from __future__ import annotations

import unittest
from decimal import Decimal

from credits_client import (Alerts, ConsumerNotFound, DuplicateConsumer, Event, EventNotFound,
                            ReloadRequestCompleted, ReloadRequestNotFound)

from .support import CreditsTestCase


class AlertTests(CreditsTestCase):
    def test_alerts_and_events(self):
        consumer = self.client.create_consumer("mailer", ["balance.low", "balance.recovered"])
        self.assertEqual((consumer.name, consumer.types, consumer.acked_event),
                         ("mailer", ("balance.low", "balance.recovered"), None))
        self.assertEqual(self.client.create_consumer("mailer", ["balance.low", "balance.recovered"]),
                         consumer)
        with self.assertRaises(DuplicateConsumer):
            self.client.create_consumer("mailer", ["balance.low"])

        ext = self.account(scale=2, initial_balance=1000, notify_emails=["ops@example.com"])
        alerts = self.client.set_alerts(ext, [Decimal("500"), "100.50"])
        self.assertIsInstance(alerts, Alerts)
        self.assertEqual(alerts.thresholds, (Decimal("500"), Decimal("100.50")))
        self.assertEqual(alerts.thresholds_in_alarm, ())
        self.assertEqual(self.client.claim_events("mailer"), ())

        self.client.deduct_credits(ext, 600)   # 400: below 500
        self.client.deduct_credits(ext, 10)    # nothing new
        events = self.client.claim_events("mailer")
        self.assertEqual([e.type for e in events], ["balance.low"])
        low = events[0]
        self.assertIsInstance(low, Event)
        self.assertEqual(low.external_id, ext)
        self.assertEqual(low.tenant, self.tenant)
        self.assertEqual(Decimal(low.data["threshold"]), Decimal(500))
        self.assertEqual(Decimal(low.data["available_after"]), Decimal(400))
        self.assertEqual(low.data["notify_emails"], ["ops@example.com"])
        # Claiming moves nothing: the same event again until acknowledged.
        self.assertEqual([e.id for e in self.client.claim_events("mailer", 10)], [low.id])
        acked = self.client.ack_events("mailer", low)
        self.assertEqual(acked.acked_event, low.id)
        self.assertEqual(self.client.claim_events("mailer"), ())

        self.client.add_credits(ext, 1000)
        (recovered,) = self.client.claim_events("mailer")
        self.assertEqual(recovered.type, "balance.recovered")
        self.client.ack_events("mailer", recovered.id)
        self.assertEqual(self.client.get_alerts(ext).thresholds_in_alarm, ())

        with self.assertRaises(ConsumerNotFound):
            self.client.claim_events("nobody")
        with self.assertRaises(EventNotFound):
            self.client.ack_events("mailer", "evt_01J00000000000000000000000")
        self.assertTrue(self.client.drop_consumer("mailer"))
        self.assertFalse(self.client.drop_consumer("mailer"))

    def test_auto_reload(self):
        self.client.create_consumer("billing", ["auto_reload.requested", "auto_reload.succeeded"])
        ext = self.account(initial_balance=100)
        self.assertIsNone(self.client.get_alerts(ext))
        settings = self.client.set_auto_reload(ext, threshold=50, amount=Decimal(200),
                                               max_per_day=5, cooldown="0 seconds")
        self.assertTrue(settings.auto_reload_enabled)
        self.assertEqual((settings.auto_reload_threshold, settings.auto_reload_amount),
                         (Decimal(50), Decimal(200)))
        self.client.deduct_credits(ext, 60)   # 40: below 50
        (requested,) = self.client.claim_events("billing")
        self.assertEqual(requested.type, "auto_reload.requested")
        request_id = requested.data["request_id"]
        self.assertEqual(self.client.get_alerts(ext).auto_reload_pending_request, request_id)

        done = self.client.complete_reload(request_id, True, payment_reference="pay_1")
        self.assertEqual((done.status, done.amount, done.replayed), ("succeeded", 200, False))
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(240))
        again = self.client.complete_reload(request_id, True, payment_reference="pay_1")
        self.assertTrue(again.replayed)
        self.assertEqual(self.client.get_balance(ext).balance, Decimal(240))
        with self.assertRaises(ReloadRequestCompleted):
            self.client.complete_reload(request_id, False, failure_reason="declined")
        with self.assertRaises(ReloadRequestNotFound):
            self.client.complete_reload("rld_01J00000000000000000000000", True)
        with self.assertRaises(TypeError):
            self.client.complete_reload(request_id, "yes")  # type: ignore[arg-type]

        types = [e.type for e in self.client.claim_events("billing")]
        self.assertEqual(types, ["auto_reload.requested", "auto_reload.succeeded"])


if __name__ == "__main__":
    unittest.main()
