import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { InsufficientCreditsError } from '@credits/pg-client';
import { newCredits, newPool, rejectsWith } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('applyBatch: thousands of operations in one call, each with its own entry', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'a', initialBalance: 10000, scale: 2 });
  await credits.createAccount({ externalId: 'b', scale: 2 });
  await credits.setPrice({ model: 'api', requestPrice: '0.01' });
  const ops = Array.from({ length: 2000 }, (_, i) => ({
    op: 'debit' as const, account: 'a', amount: '0.01', idempotencyKey: `call_${i}`, metadata: { i },
  }));
  const { results } = await credits.applyBatch([
    ...ops,
    { op: 'credit', account: 'b', amount: '5.50', expiresIn: '30 days', category: 'promotional' },
    { op: 'transfer', fromAccount: 'a', toAccount: 'b', amount: 1, idempotencyKey: 'tr1' },
    { op: 'reserve', account: 'a', amount: '2.00', expiresIn: 90 },
    { op: 'charge', account: 'a', model: 'api', requests: 3, endpoint: '/v1/x', idempotencyKey: 'batch_charge' },
  ]);
  assert.equal(results.length, 2004);
  assert.ok(results.every((r) => r.ok));
  assert.equal(results[1999].balance, '9980.00');
  assert.match(results[2002].reservationId ?? '', /^res_/);
  assert.match(results[2003].usageId ?? '', /^use_/);
  const a = await credits.getBalance({ externalId: 'a' });
  assert.deepEqual([a.balance, a.reserved, a.available], ['9978.97', '2.00', '9976.97']);
  assert.equal((await credits.getBalance({ externalId: 'b' })).balance, '6.50');
  const { pagination } = await credits.listTransactions({ externalId: 'a', limit: 1 });
  assert.equal(pagination.total, 2003); // initial + 2000 debits + transfer + charge
});

test('atomic (default): the first failure is thrown as its class and nothing is written', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'a', initialBalance: 10 });
  const err = await rejectsWith(credits.applyBatch([
    { op: 'debit', account: 'a', amount: 6 },
    { op: 'debit', account: 'a', amount: 6 },
  ]), InsufficientCreditsError);
  assert.match(err.where ?? '', /1/); // CONTEXT names the operation
  assert.equal((await credits.getBalance({ externalId: 'a' })).balance, '10');
});

test('atomic false: each result says ok, or its sqlstate and message', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'a', initialBalance: 10 });
  const { results } = await credits.applyBatch([
    { op: 'debit', account: 'a', amount: 6 },
    { op: 'debit', account: 'a', amount: 6 },
    { op: 'debit', account: 'nobody', amount: 1 },
    { op: 'adjust', account: 'a', amount: -1, reason: 'fee' },
  ], { atomic: false });
  assert.deepEqual(results.map((r) => [r.index, r.ok, r.sqlstate]), [[0, true, null], [1, false, 'CR001'], [2, false, 'CR002'], [3, true, null]]);
  assert.equal(results[3].balance, '3');
});

test('floats in a batch are refused before anything is sent', async () => {
  const credits = newCredits(pool);
  await assert.rejects(() => credits.applyBatch([{ op: 'debit', account: 'a', amount: 0.1 }]), TypeError);
});
