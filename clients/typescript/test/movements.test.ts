import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { InsufficientCreditsError, ReservationNotPendingError } from '@credits/pg-client';
import { newCredits, newPool, rejectsWith, unique } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('reservation flow: reserve, confirm with the actual cost, record usage on its transaction; cancel', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'user_456', initialBalance: 1000 });
  const { reservation } = await credits.createReservation({
    externalId: 'user_456', amount: 500, metadata: { requestId: 'req_123' }, idempotencyKey: 'req_123',
  });
  assert.match(reservation.id, /^res_/);
  assert.equal(reservation.status, 'pending');
  assert.deepEqual([reservation.balance, reservation.reserved, reservation.available], ['1000', '500', '500']);
  assert.ok(reservation.expiresAt instanceof Date);
  const replay = await credits.createReservation({
    externalId: 'user_456', amount: 500, metadata: { requestId: 'req_123' }, idempotencyKey: 'req_123',
  });
  assert.equal(replay.reservation.id, reservation.id);
  await rejectsWith(credits.deductCredits({ externalId: 'user_456', amount: 501 }), InsufficientCreditsError);

  const confirmRes = await credits.confirmReservation(reservation.id, 420);
  assert.equal(confirmRes.reservationId, reservation.id);
  assert.equal(confirmRes.amount, '420');
  assert.equal(confirmRes.released, '80');
  assert.equal(confirmRes.balance, '580');
  assert.equal(confirmRes.available, '580');
  const usage = await credits.recordUsage({
    context: 'customer', transactionId: confirmRes.transactionId, accountId: confirmRes.accountId,
    modelId: 'gpt-4o', usageType: 'text', inputTokens: 1000, outputTokens: 420, description: 'Chat completion',
  });
  assert.equal(usage.transactionId, confirmRes.transactionId);
  assert.equal(usage.model, 'gpt-4o');
  assert.equal(usage.inputTokens, '1000');
  assert.equal(usage.charged, null);
  const details = await credits.getReservation(reservation.id);
  assert.equal(details.status, 'confirmed');
  assert.equal(details.confirmedAmount, '420');
  assert.equal(details.transactionId, confirmRes.transactionId);

  const { reservation: second } = await credits.createReservation({ externalId: 'user_456', amount: 100, expiresIn: 60 });
  const extended = await credits.extendReservation(second.id, '1 hour');
  assert.ok(extended.expiresAt.getTime() > second.expiresAt.getTime());
  const cancelled = await credits.cancelReservation(second.id);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.reserved, '0');
  await rejectsWith(credits.confirmReservation(second.id), ReservationNotPendingError);
});

test('confirm above the hold: reject (default), cap', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 100 });
  const { reservation } = await credits.createReservation({ externalId: 'u', amount: 50 });
  await rejectsWith(credits.confirmReservation(reservation.id, 150), InsufficientCreditsError);
  const capped = await credits.confirmReservation(reservation.id, 150, { onExcess: 'cap', description: 'capped' });
  assert.equal(capped.amount, '100');
  assert.equal(capped.balance, '0');
});

test('transfers, reversals and adjustments', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'alice', initialBalance: 100 });
  await credits.createAccount({ externalId: 'bob' });
  const transfer = await credits.transferCredits({ from: 'alice', to: 'bob', amount: 30, reference: 'gift', idempotencyKey: 'g1' });
  assert.equal(transfer.fromBalance, '70');
  assert.equal(transfer.toBalance, '30');
  assert.equal(transfer.toExternalId, 'bob');
  const back = await credits.reverseTransaction({ transactionId: transfer.transactionId, amount: 10, reason: 'partial refund' });
  assert.equal(back.reverses, transfer.transactionId);
  assert.equal(back.type, 'reversal');
  assert.equal((await credits.getBalance({ externalId: 'bob' })).balance, '20');
  assert.equal((await credits.getBalance({ externalId: 'alice' })).balance, '80');
  const adj = await credits.adjustBalance({ externalId: 'alice', amount: '-5', reason: 'correction' });
  assert.equal(adj.type, 'adjustment');
  assert.equal(adj.balance, '75');
  const { problems } = await credits.verify();
  assert.deepEqual(problems, []);
});

test('grants: expiring, categorised credits spent first; listed in burn-down order', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 100 });
  await credits.addCredits({ externalId: 'u', amount: 50, expiresIn: '30 days', category: 'promotional', description: 'Welcome bonus' });
  await credits.addCredits({ externalId: 'u', amount: 20, expiresAt: new Date(Date.now() + 86400_000), category: 'goodwill' });
  await credits.deductCredits({ externalId: 'u', amount: 40 });
  const { grants } = await credits.listGrants({ externalId: 'u' });
  assert.deepEqual(grants.map((g) => [g.category, g.amount, g.remaining, g.status]), [
    ['goodwill', '20', '0', 'depleted'],
    ['promotional', '50', '30', 'active'],
  ]);
  const active = await credits.listGrants({ externalId: 'u', status: 'active' });
  assert.equal(active.grants.length, 1);
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '130');
});

test('plans: create, list, assign (immediate allowance), cancel', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'user_456' });
  const code = unique('pro');
  const plan = await credits.createPlan({ code, name: 'Pro', allowance: 10000, period: 'month', rollover: 'none' });
  assert.match(plan.id, /^pln_/);
  const { plans } = await credits.listPlans();
  assert.deepEqual(plans.map((p) => p.code), [code]);
  const { subscription } = await credits.assignPlanToAccount({ externalId: 'user_456', planId: plans[0].id, startMode: 'immediate' });
  assert.equal(subscription.planCode, code);
  assert.equal(subscription.status, 'active');
  assert.equal((await credits.getBalance({ externalId: 'user_456' })).balance, '10000');
  assert.equal((await credits.getSubscription({ externalId: 'user_456' }))?.planId, plan.id);
  const cancelled = await credits.cancelPlan({ externalId: 'user_456' });
  assert.equal(cancelled.subscription.status, 'cancelled');
});
