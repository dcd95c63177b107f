import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { DuplicateConsumerError, EventNotFoundError, ReloadRequestCompletedError } from '@credits/pg-client';
import { newCredits, newPool, rejectsWith } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('alerts: a low balance becomes an event a consumer claims and acknowledges', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 500, notifyEmails: ['ops@example.com'] });
  const consumer = await credits.createConsumer({ name: 'mailer', types: ['balance.low', 'balance.depleted', 'balance.recovered'] });
  assert.deepEqual([...(consumer.types ?? [])].sort(), ['balance.depleted', 'balance.low', 'balance.recovered']);
  assert.equal((await credits.createConsumer({ name: 'mailer', types: ['balance.low', 'balance.depleted', 'balance.recovered'] })).name, 'mailer');
  await rejectsWith(credits.createConsumer({ name: 'mailer', types: ['balance.low'] }), DuplicateConsumerError);

  const alerts = await credits.setAlerts({ externalId: 'u', thresholds: [100, '10'] });
  assert.deepEqual(alerts.thresholds, ['100', '10']);
  assert.deepEqual(alerts.thresholdsInAlarm, []);
  await credits.deductCredits({ externalId: 'u', amount: 450 }); // available 50: crosses 100
  await credits.deductCredits({ externalId: 'u', amount: 10 }); // still in alarm: nothing new
  await credits.deductCredits({ externalId: 'u', amount: 40 }); // 0: crosses 10, and depleted
  assert.deepEqual((await credits.getAlerts({ externalId: 'u' }))?.thresholdsInAlarm, ['100', '10']);

  const { events } = await credits.claimEvents('mailer', 10);
  assert.deepEqual(events.map((e) => [e.type, e.data.threshold ?? null]), [
    ['balance.low', '100'], ['balance.low', '10'], ['balance.depleted', null],
  ].slice(0, events.length));
  assert.ok(events.length >= 2);
  const low = events[0];
  assert.match(low.id, /^evt_/);
  assert.equal(low.externalId, 'u');
  assert.equal(low.data.available_after, '50');
  assert.deepEqual(low.data.notify_emails, ['ops@example.com']);
  assert.equal(typeof low.position, 'string');
  assert.ok(low.occurredAt instanceof Date);

  // claiming moves nothing until acknowledged
  assert.equal((await credits.claimEvents('mailer', 10)).events.length, events.length);
  const acked = await credits.ackEvents('mailer', events[0].id);
  assert.equal(acked.ackedEvent, events[0].id);
  assert.deepEqual((await credits.claimEvents('mailer', 10)).events.map((e) => e.id), events.slice(1).map((e) => e.id));
  await credits.ackEvents('mailer', events[events.length - 1].id);
  assert.deepEqual((await credits.claimEvents('mailer')).events, []);
  await rejectsWith(credits.ackEvents('mailer', 'evt_00000000000000000000000000'), EventNotFoundError);

  await credits.addCredits({ externalId: 'u', amount: 200 });
  const recovered = await credits.claimEvents('mailer');
  assert.ok(recovered.events.some((e) => e.type === 'balance.recovered'));
  assert.equal(await credits.dropConsumer('mailer'), true);
  assert.equal(await credits.dropConsumer('mailer'), false);
});

test('auto-reload: a request event, completed once by the payment worker', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 100 });
  await credits.createConsumer({ name: 'billing', types: ['auto_reload.requested', 'auto_reload.succeeded'] });
  const settings = await credits.setAutoReload({ externalId: 'u', threshold: 50, amount: 100, cooldown: null });
  assert.equal(settings.autoReloadEnabled, true);
  assert.ok(!settings.autoReloadCooldownSeconds); // none
  assert.equal((await credits.getBalance({ externalId: 'u' })).autoReloadThreshold, '50');
  await credits.deductCredits({ externalId: 'u', amount: 60 }); // available 40 < 50

  const { events } = await credits.claimEvents('billing');
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'auto_reload.requested');
  const requestId = events[0].data.request_id as string;
  assert.match(requestId, /^rld_/);
  assert.equal(events[0].data.amount, '100');
  const { requests } = await credits.listReloadRequests({ externalId: 'u', status: 'pending' });
  assert.deepEqual(requests.map((r) => r.id), [requestId]);

  const done = await credits.completeReload({ requestId, succeeded: true, paymentReference: 'pi_123' });
  assert.equal(done.status, 'succeeded');
  assert.equal(done.replayed, false);
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '140');
  const again = await credits.completeReload({ requestId, succeeded: true, paymentReference: 'pi_123' });
  assert.equal(again.replayed, true);
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '140');
  await rejectsWith(credits.completeReload({ requestId, succeeded: false, failureReason: 'card declined' }), ReloadRequestCompletedError);
  await credits.ackEvents('billing', events[0].id);
  const next = await credits.claimEvents('billing');
  assert.deepEqual(next.events.map((e) => e.type), ['auto_reload.succeeded']);
});
