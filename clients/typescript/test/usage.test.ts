import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { IdempotencyConflictError, InsufficientCreditsError } from '@credits/pg-client';
import { newCredits, newPool, rejectsWith } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('rate card, quote, charge (replayed by its key), usage listing and summaries', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'user_123', initialBalance: 1000 });
  const price = await credits.setPrice({
    model: 'gpt-4o', inputPrice: 250, cachedInputPrice: 125, outputPrice: 1000, effectiveFrom: '2020-01-01T00:00:00Z',
  });
  assert.match(price.id, /^prc_/);
  assert.equal(price.inputPrice, '250');
  assert.equal(price.perTokens, 1000000);
  assert.ok(price.effectiveFrom instanceof Date);
  // the same version again is returned, not duplicated
  assert.equal((await credits.setPrice({ model: 'gpt-4o', inputPrice: 250, cachedInputPrice: 125, outputPrice: 1000, effectiveFrom: '2020-01-01T00:00:00Z' })).id, price.id);
  assert.equal((await credits.listPrices()).prices.length, 1);

  const quote = await credits.quote({ externalId: 'user_123', model: 'gpt-4o', inputTokens: 476, cachedInputTokens: 1024, outputTokens: 300 });
  assert.equal(quote.cost, '0.547');
  assert.equal(quote.amount, '1');
  assert.equal(quote.rounding, 'up');

  const charged = await credits.charge({
    externalId: 'user_123', model: 'gpt-4o', inputTokens: 476, cachedInputTokens: 1024, outputTokens: 300,
    endpoint: '/v1/chat/completions', idempotencyKey: 'req_43', description: 'gpt-4o call',
  });
  assert.equal(charged.cost, '0.547');
  assert.equal(charged.charged, '1');
  assert.equal(charged.balance, '999');
  assert.equal(charged.replayed, false);
  assert.equal(charged.cachedInputTokens, '1024');
  assert.match(charged.transactionId ?? '', /^txn_/);
  const replay = await credits.charge({
    externalId: 'user_123', model: 'gpt-4o', inputTokens: 476, cachedInputTokens: 1024, outputTokens: 300,
    endpoint: '/v1/chat/completions', idempotencyKey: 'req_43', description: 'gpt-4o call',
  });
  assert.equal(replay.replayed, true);
  assert.equal(replay.id, charged.id);
  assert.equal((await credits.getBalance({ externalId: 'user_123' })).balance, '999');
  await rejectsWith(credits.charge({ externalId: 'user_123', model: 'gpt-4o', inputTokens: 1, idempotencyKey: 'req_43' }), IdempotencyConflictError);

  // a charge on a hold sized by a quote
  const worst = await credits.quote({ externalId: 'user_123', model: 'gpt-4o', inputTokens: 3000, outputTokens: 4096 });
  const { reservation } = await credits.createReservation({ externalId: 'user_123', amount: worst.amount });
  const onHold = await credits.charge({
    externalId: 'user_123', model: 'gpt-4o', inputTokens: 2200, outputTokens: 612, reservationId: reservation.id, idempotencyKey: 'req_44',
  });
  assert.equal(onHold.reservationId, reservation.id);
  assert.equal((await credits.getReservation(reservation.id)).status, 'confirmed');

  await credits.recordUsage({ externalId: 'user_123', model: 'claude', context: 'developer', inputTokens: 5n, cost: '0.25', success: false });

  const { usage, pagination } = await credits.getUsage({ externalId: 'user_123', context: 'customer', limit: 1 });
  assert.equal(usage.length, 1);
  assert.equal(usage[0].id, onHold.id); // newest first
  assert.equal(usage[0].balance, null);
  assert.deepEqual(pagination, { limit: 1, offset: 0, hasMore: true });
  const rest = await credits.getUsage({ externalId: 'user_123', context: 'customer', limit: 10, offset: 1 });
  assert.equal(rest.usage.length, 1);
  assert.equal(rest.pagination.hasMore, false);
  const tenantWide = await credits.getUsage();
  assert.equal(tenantWide.usage.length, 3);

  const { summary } = await credits.getUsageSummary('customer');
  assert.equal(summary.length, 1);
  assert.equal(summary[0].totalRequests, '2');
  assert.equal(summary[0].creditsCharged, '3');
  assert.deepEqual(summary[0].requestsByEndpoint, { '/v1/chat/completions': '1', '': '1' });
  assert.ok(summary[0].periodStart instanceof Date);
  const byModel = await credits.getUsageSummary({ externalId: 'user_123', groupBy: ['model', 'context'], period: 'day' });
  assert.deepEqual(byModel.summary.map((r) => [r.model, r.context, r.failedRequests, r.creditsConsumed]), [
    ['claude', 'developer', '1', '0.25'],
    ['gpt-4o', 'customer', '0', summary[0].creditsConsumed],
  ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));

  const accountSummary = await credits.getAccountSummary({ externalId: 'user_123' });
  assert.equal(accountSummary.totalRequests, '3');
  assert.equal(accountSummary.balance, '997');
  assert.equal(typeof accountSummary.usageThisMonth.totalRequests, 'string');
});

test('a charge beyond the balance is refused and records nothing', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 1 });
  await credits.setPrice({ model: 'premium', requestPrice: 10 });
  await rejectsWith(credits.charge({ externalId: 'u', model: 'premium' }), InsufficientCreditsError);
  assert.equal((await credits.getUsage({ externalId: 'u' })).usage.length, 0);
});
