import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { InvalidAmountError, parseJsonExact } from '@credits/pg-client';
import { newCredits, newPool, rejectsWith } from './helpers';

// An app that turned numeric into floats for its own queries: credits' results
// must stay exact, and the app's setting must stay as it was.
const appNumericParser = (value: string) => parseFloat(value);
pg.types.setTypeParser(1700, appNumericParser);
pg.types.setTypeParser(20, (value: string) => parseInt(value, 10));

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test("'0.10' + '0.20' on a scale-2 account is exactly '0.30'", async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', unit: 'USD', scale: 2 });
  await credits.addCredits({ externalId: 'u', amount: '0.10' });
  const second = await credits.addCredits({ externalId: 'u', amount: '0.20' });
  assert.equal(second.balance, '0.30');
  assert.equal(second.amount, '0.20');
  const balance = await credits.getBalance({ externalId: 'u' });
  assert.equal(balance.balance, '0.30');
  assert.equal(typeof balance.available, 'string');
  const { items } = await credits.listTransactions({ externalId: 'u' });
  assert.deepEqual(items.map((e) => [e.amount, e.balanceAfter]), [['0.20', '0.30'], ['0.10', '0.10']]);
  assert.equal(typeof items[0].id, 'string'); // bigint: a string, whatever the app's parser says
});

test('the app keeps its own global parsers', async () => {
  assert.equal(pg.types.getTypeParser(1700, 'text'), appNumericParser);
  const r = await pool.query('SELECT 0.1::numeric + 0.2::numeric AS n, 7::bigint AS b');
  assert.equal(r.rows[0].n, 0.3); // the app's float
  assert.equal(r.rows[0].b, 7);
});

test('large and fine amounts round-trip digit for digit', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'big', scale: 18, overdraftLimit: '0' });
  const t = await credits.addCredits({ externalId: 'big', amount: '999999999999999.999999999999999999' });
  assert.equal(t.balance, '999999999999999.999999999999999999');
  const d = await credits.deductCredits({ externalId: 'big', amount: '0.000000000000000001' });
  assert.equal(d.balance, '999999999999999.999999999999999998');
  // bigint and decimal objects are exact too
  const b = await credits.deductCredits({ externalId: 'big', amount: 5n });
  assert.equal(b.balance, '999999999999994.999999999999999998');
  const decimalLike = { toFixed: () => '0.5' };
  assert.equal((await credits.addCredits({ externalId: 'big', amount: decimalLike })).amount, '0.500000000000000000');
});

test('floats are refused before they reach the server; too many decimals is InvalidAmountError', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', scale: 2 });
  await assert.rejects(() => credits.addCredits({ externalId: 'u', amount: 0.1 + 0.2 }), TypeError);
  await assert.rejects(() => credits.addCredits({ externalId: 'u', amount: Number.NaN }), TypeError);
  assert.equal((await credits.addCredits({ externalId: 'u', amount: 12 })).balance, '12.00'); // a safe integer is fine; amounts come at the account's scale
  const err = await rejectsWith(credits.addCredits({ externalId: 'u', amount: '0.001' }), InvalidAmountError);
  assert.equal(err.sqlstate, 'CR008');
});

test('JSON amounts credits returns (grants) keep every digit', async () => {
  assert.deepEqual(parseJsonExact('{"grt_1": -0.10, "ungranted": 12345678901234567.25, "s": "a\\"1", "n": null, "t": true}'), {
    grt_1: '-0.10', ungranted: '12345678901234567.25', s: 'a"1', n: null, t: true,
  });
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', scale: 2 });
  const grant = await credits.addCredits({ externalId: 'u', amount: '0.10', category: 'promotional' });
  await credits.addCredits({ externalId: 'u', amount: '5.25' });
  await credits.deductCredits({ externalId: 'u', amount: '1.20' });
  const { items } = await credits.listTransactions({ externalId: 'u', type: 'debit' });
  const { grants } = await credits.listGrants({ externalId: 'u' });
  assert.equal(grants[0].transactionId, grant.transactionId);
  assert.deepEqual(items[0].grants, { [grants[0].id]: '-0.10', ungranted: '-1.10' });
});
