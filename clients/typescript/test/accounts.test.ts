import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import {
  AccountNotActiveError, AccountNotEmptyError, AccountNotFoundError, CreditsClient, DuplicateAccountError,
  IdempotencyConflictError, InsufficientCreditsError,
} from '@credits/pg-client';
import { hasFunction, newCredits, newPool, rejectsWith, unique } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

describe('accounts', () => {
  test('create, get by either id, balance, add and deduct (the hosted SDK flow)', async () => {
    const credits = newCredits(pool);
    const { account } = await credits.createAccount({
      name: 'Alice', externalId: 'user_456', email: 'alice@example.com', metadata: { plan: 'free' },
    });
    assert.match(account.id, /^acc_/);
    assert.equal(account.externalId, 'user_456');
    assert.equal(account.balance, '0');
    assert.deepEqual(account.metadata, { plan: 'free' });
    assert.ok(account.createdAt instanceof Date);
    assert.equal(account.status, 'active');
    assert.equal(account.unit, 'credits');
    assert.equal(account.scale, 0);

    assert.deepEqual(Object.keys(account).sort(), [
      'autoReloadAmount', 'autoReloadEnabled', 'autoReloadTargetBalance', 'autoReloadThreshold', 'available',
      'balance', 'createdAt', 'defaultGrantTtl', 'email', 'externalId', 'id', 'metadata', 'minCreditAmount', 'name',
      'notifyEmails', 'overdraftLimit', 'ownerId', 'reserved', 'scale', 'status', 'unit', 'updatedAt',
    ]);

    const byId = await credits.getAccount({ accountId: account.id });
    const byExternal = await credits.getAccount({ externalId: 'user_456' });
    assert.equal(byId.id, account.id);
    assert.equal(byExternal.id, account.id);

    const added = await credits.addCredits({
      externalId: 'user_456', amount: 1000, description: 'Monthly plan purchase', paymentMethod: 'stripe',
      metadata: { paymentId: 'pay_xxx' },
    });
    assert.equal(added.accountId, account.id);
    assert.equal(added.type, 'credit');
    assert.equal(added.amount, '1000');
    assert.equal(added.balance, '1000');
    assert.deepEqual(added.metadata, { paymentMethod: 'stripe', paymentId: 'pay_xxx' });
    assert.match(added.transactionId, /^txn_/);

    const deducted = await credits.deductCredits({
      accountId: added.accountId, amount: 50, description: 'API usage', metadata: { action: 'chat' },
    });
    assert.equal(deducted.type, 'debit');
    assert.equal(deducted.amount, '50');
    assert.equal(deducted.balance, '950');
    assert.equal(deducted.available, '950');

    const balance = await credits.getBalance({ externalId: 'user_456' });
    assert.deepEqual(
      { balance: balance.balance, reserved: balance.reserved, available: balance.available, unit: balance.unit },
      { balance: '950', reserved: '0', available: '950', unit: 'credits' },
    );
    assert.ok(balance.updatedAt instanceof Date);
  });

  test('an idempotent debit replays; the same key with another amount is IdempotencyConflictError', async () => {
    const credits = newCredits(pool);
    await credits.createAccount({ externalId: 'u', initialBalance: 100 });
    const first = await credits.deductCredits({ externalId: 'u', amount: 10, idempotencyKey: 'req_1' });
    const again = await credits.deductCredits({ externalId: 'u', amount: 10, idempotencyKey: 'req_1' });
    assert.equal(again.transactionId, first.transactionId);
    assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '90');
    const err = await rejectsWith(credits.deductCredits({ externalId: 'u', amount: 11, idempotencyKey: 'req_1' }), IdempotencyConflictError);
    assert.equal(err.sqlstate, 'CR003');
  });

  test('createTransaction: a manual credit (refund) or debit', async () => {
    const credits = newCredits(pool);
    await credits.createAccount({ externalId: 'user_456' });
    const refund = await credits.createTransaction({
      externalId: 'user_456', amount: 100, type: 'credit', description: 'Refund', metadata: { reason: 'support' },
    });
    assert.equal(refund.type, 'credit');
    assert.equal(refund.description, 'Refund');
    const debit = await credits.createTransaction({ externalId: 'user_456', amount: '40', type: 'debit' });
    assert.equal(debit.balance, '60');
  });

  test('createAccount with an idempotency key is retry-safe (credits 0.9.0)', async (t) => {
    if (!(await hasFunction(pool, 'credits_list_entries'))) return t.skip('credits 0.9.0 is not installed');
    const credits = newCredits(pool);
    const { account } = await credits.createAccount({ externalId: 'signup', name: 'Bob', idempotencyKey: 'signup-1' });
    const { account: again } = await credits.createAccount({ externalId: 'signup', name: 'Bob', idempotencyKey: 'signup-1' });
    assert.equal(again.id, account.id);
    await rejectsWith(credits.createAccount({ externalId: 'signup', name: 'Robert', idempotencyKey: 'signup-1' }), IdempotencyConflictError);
    await rejectsWith(credits.createAccount({ externalId: 'signup', name: 'Bob' }), DuplicateAccountError);
  });

  test('updateAccount changes only what is given; overdraft limit lets a debit go below zero', async () => {
    const credits = newCredits(pool);
    await credits.createAccount({ externalId: 'u', name: 'Old', email: 'a@example.com', initialBalance: 5 });
    const updated = await credits.updateAccount({ externalId: 'u', name: 'New', overdraftLimit: 10, notifyEmails: ['ops@example.com'] });
    assert.equal(updated.name, 'New');
    assert.equal(updated.email, 'a@example.com');
    assert.equal(updated.overdraftLimit, '10');
    assert.deepEqual(updated.notifyEmails, ['ops@example.com']);
    const debit = await credits.deductCredits({ externalId: 'u', amount: 15 });
    assert.equal(debit.balance, '-10');
    await rejectsWith(credits.deductCredits({ externalId: 'u', amount: 1 }), InsufficientCreditsError);
  });

  test('freeze, unfreeze, close, reopen and the status history', async () => {
    const credits = newCredits(pool);
    await credits.createAccount({ externalId: 'u', initialBalance: 10 });
    const frozen = await credits.freezeAccount({ externalId: 'u', reason: 'chargeback' });
    assert.equal(frozen.status, 'frozen');
    const refused = await rejectsWith(credits.deductCredits({ externalId: 'u', amount: 1 }), AccountNotActiveError);
    assert.equal(refused.sqlstate, 'CR007');
    assert.equal((await credits.addCredits({ externalId: 'u', amount: 1 })).balance, '11'); // credits still arrive
    assert.equal((await credits.unfreezeAccount({ externalId: 'u' })).status, 'active');
    await rejectsWith(credits.closeAccount({ externalId: 'u' }), AccountNotEmptyError);
    await credits.deductCredits({ externalId: 'u', amount: 11 });
    assert.equal((await credits.closeAccount({ externalId: 'u', reason: 'gone' })).status, 'closed');
    assert.equal((await credits.reopenAccount({ externalId: 'u' })).status, 'active');
    const { history } = await credits.getStatusHistory({ externalId: 'u' });
    assert.deepEqual(history.map((h) => [h.fromStatus, h.toStatus]), [
      ['active', 'frozen'], ['frozen', 'active'], ['active', 'closed'], ['closed', 'active'],
    ]);
    assert.equal(history[0].reason, 'chargeback');
  });

  test('getAccount of an unknown account is AccountNotFoundError', async () => {
    const credits = newCredits(pool);
    const err = await rejectsWith(credits.getAccount({ externalId: 'nobody' }), AccountNotFoundError);
    assert.equal(err.sqlstate, 'CR002');
    assert.equal(err.code, 'account_not_found');
  });

  test('exactly one of accountId, externalId and account', async () => {
    const credits = newCredits(pool);
    await assert.rejects(() => credits.getBalance({} as never), TypeError);
    await assert.rejects(() => credits.getBalance({ accountId: 'a', externalId: 'b' } as never), TypeError);
  });
});

for (const listFunctions of ['auto', false] as const) {
  describe(`listAccounts (listFunctions: ${listFunctions})`, () => {
    let credits: CreditsClient;
    const ids: string[] = [];
    before(async () => {
      credits = newCredits(pool, { listFunctions });
      for (let i = 0; i < 7; i++) {
        const { account } = await credits.createAccount({
          externalId: `user_${i}`, ownerId: i < 3 ? 'org_a' : 'org_b', metadata: { tier: i % 2 === 0 ? 'even' : 'odd', i },
        });
        ids.push(account.id);
      }
      await credits.freezeAccount({ externalId: 'user_6' });
    });

    test('pages by limit and offset with the total, oldest first', async () => {
      const first = await credits.listAccounts({ limit: 3 });
      assert.deepEqual(first.accounts.map((a) => a.externalId), ['user_0', 'user_1', 'user_2']);
      assert.deepEqual(first.pagination, { limit: 3, offset: 0, total: 7, hasMore: true, nextCursor: ids[2] });
      const last = await credits.listAccounts({ limit: 3, offset: 6 });
      assert.deepEqual(last.accounts.map((a) => a.externalId), ['user_6']);
      assert.equal(last.pagination.hasMore, false);
      assert.equal(last.pagination.nextCursor, null);
      const beyond = await credits.listAccounts({ limit: 3, offset: 10 });
      assert.deepEqual(beyond.accounts, []);
      assert.equal(beyond.pagination.total, 7);
      assert.ok(!('totalCount' in first.accounts[0]) && !('cursor' in first.accounts[0]));
    });

    test('a cursor pages on while accounts are created', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await credits.listAccounts({ limit: 2, cursor });
        seen.push(...page.accounts.map((a) => a.id));
        cursor = page.pagination.nextCursor ?? undefined;
        if (pages++ === 0) await credits.createAccount({ externalId: unique('late') }); // arrives during the walk
      } while (cursor !== undefined);
      assert.deepEqual(seen.slice(0, 7), ids);
      assert.equal(new Set(seen).size, seen.length);
    });

    test('filters by owner, status and metadata containment', async () => {
      const owned = await credits.listAccounts({ ownerId: 'org_a' });
      assert.deepEqual(owned.accounts.map((a) => a.externalId), ['user_0', 'user_1', 'user_2']);
      assert.equal(owned.pagination.total, 3);
      const frozen = await credits.listAccounts({ status: 'frozen' });
      assert.deepEqual(frozen.accounts.map((a) => a.externalId), ['user_6']);
      const odd = await credits.listAccounts({ metadata: { tier: 'odd' }, ownerId: 'org_b' });
      assert.deepEqual(odd.accounts.map((a) => a.externalId), ['user_3', 'user_5']);
    });

    test('limit out of range is refused before any query', async () => {
      await assert.rejects(() => credits.listAccounts({ limit: 0 }), RangeError);
      await assert.rejects(() => credits.listAccounts({ limit: 1001 }), RangeError);
      await assert.rejects(() => credits.listAccounts({ offset: -1 }), RangeError);
    });
  });
}
