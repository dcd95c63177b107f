// The package as an ES module sees it: named imports from the CommonJS build.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import {
  CreditsClient, CreditsError, InsufficientCreditsError, AccountNotFoundError, IdempotencyConflictError,
  ReadOnlyError, SerializationError, errorClassFor,
} from '@credits/pg-client';

test('named ESM imports work and errors map by SQLSTATE', async () => {
  assert.equal(typeof CreditsClient, 'function');
  assert.equal(errorClassFor('CR001'), InsufficientCreditsError);
  assert.equal(errorClassFor('CR002'), AccountNotFoundError);
  assert.equal(errorClassFor('CR003'), IdempotencyConflictError);
  assert.equal(errorClassFor('25006'), ReadOnlyError);
  assert.equal(errorClassFor('40001'), SerializationError);
  assert.equal(errorClassFor('XX000'), CreditsError);
  const pool = new pg.Pool({ max: 1 });
  try {
    const credits = new CreditsClient({ pool, tenant: `esm_${Date.now()}` });
    const { account } = await credits.createAccount({ externalId: 'esm', initialBalance: 3 });
    assert.equal(account.balance, '3');
    await assert.rejects(() => credits.deductCredits({ externalId: 'esm', amount: 4 }), (err) =>
      err instanceof InsufficientCreditsError && err instanceof CreditsError && err.sqlstate === 'CR001');
  } finally {
    await pool.end();
  }
});
