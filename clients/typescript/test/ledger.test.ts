import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { AccountNotFoundError, type CreditsClient, type LedgerEntry } from '@credits/pg-client';
import { hasFunction, newCredits, newPool, rejectsWith } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('listTransactions uses credits_list_entries when the server has it', async (t) => {
  if (!(await hasFunction(pool, 'credits_list_entries'))) return t.skip('credits 0.9.0 is not installed: the 0.8.0 path is tested below');
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 1 });
  const { pagination } = await credits.listTransactions({ externalId: 'u', limit: 1 });
  assert.deepEqual(pagination, { limit: 1, offset: 0, total: 1, hasMore: false, nextCursor: null });
});

for (const listFunctions of ['auto', false] as const) {
  describe(`listTransactions (listFunctions: ${listFunctions})`, () => {
    let credits: CreditsClient;
    before(async () => {
      credits = newCredits(pool, { listFunctions });
      await credits.createAccount({ externalId: 'u', initialBalance: 1000 });
      for (let i = 1; i <= 24; i++) {
        if (i % 3 === 0) await credits.addCredits({ externalId: 'u', amount: i, reference: `r${i}` });
        else await credits.deductCredits({ externalId: 'u', amount: i, reference: `r${i}` });
      }
    });

    test('{ items, pagination } by limit and offset, newest first, with the total', async () => {
      const page1 = await credits.listTransactions({ externalId: 'u', limit: 10, offset: 0 });
      assert.equal(page1.items.length, 10);
      assert.deepEqual(page1.items.map((e) => e.id), ['25', '24', '23', '22', '21', '20', '19', '18', '17', '16']);
      assert.deepEqual(page1.pagination, { limit: 10, offset: 0, total: 25, hasMore: true, nextCursor: '16' });
      const page3 = await credits.listTransactions({ externalId: 'u', limit: 10, offset: 20 });
      assert.deepEqual(page3.items.map((e) => e.id), ['5', '4', '3', '2', '1']);
      assert.equal(page3.pagination.hasMore, false);
      const empty = await credits.listTransactions({ externalId: 'u', limit: 10, offset: 30 });
      assert.deepEqual(empty.items, []);
      assert.equal(empty.pagination.total, 25);
      const entry = page3.items[4] as LedgerEntry;
      assert.equal(entry.type, 'credit');
      assert.equal(entry.amount, '1000');
      assert.equal(entry.balanceAfter, '1000');
      assert.ok(entry.createdAt instanceof Date);
      assert.ok(!('totalCount' in entry) && !('cursor' in entry));
    });

    test('a cursor walks the ledger once, while new entries arrive', async () => {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const { items, pagination } = await credits.listTransactions({ externalId: 'u', limit: 7, cursor });
        ids.push(...items.map((e) => e.id));
        cursor = pagination.nextCursor ?? undefined;
        if (pages++ === 0) await credits.addCredits({ externalId: 'u', amount: 1, reference: 'late' }); // a newer entry
      } while (cursor !== undefined);
      assert.deepEqual(ids, Array.from({ length: 25 }, (_, i) => String(25 - i)));
    });

    test('filters by type and time; by account id too', async () => {
      const credited = await credits.listTransactions({ externalId: 'u', type: 'credit', limit: 100 });
      assert.ok(credited.items.every((e) => e.type === 'credit'));
      assert.equal(credited.pagination.total, credited.items.length);
      assert.ok(credited.pagination.total >= 9);
      const future = await credits.listTransactions({ externalId: 'u', since: new Date(Date.now() + 3600_000) });
      assert.equal(future.pagination.total, 0);
      const { id } = await credits.getAccount({ externalId: 'u' });
      const byId = await credits.listTransactions({ accountId: id, limit: 1 });
      assert.equal(byId.items[0].accountId, id);
    });

    test('an unknown account is AccountNotFoundError', async () => {
      await rejectsWith(credits.listTransactions({ externalId: 'nobody' }), AccountNotFoundError);
    });
  });
}
