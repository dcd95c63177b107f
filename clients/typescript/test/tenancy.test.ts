import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { AccountNotFoundError, CreditsClient, InFailedTransactionError, InsufficientCreditsError } from '@credits/pg-client';
import { newPool, rejectsWith, unique } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('the tenant is per call: the same external id in two tenants, invisible across', async () => {
  const acme = new CreditsClient({ pool, tenant: unique('acme') });
  const globex = acme.withTenant(unique('globex'));
  await acme.createAccount({ externalId: 'user_1', initialBalance: 100 });
  await globex.createAccount({ externalId: 'user_1', initialBalance: 7 });
  // interleaved on the same pool (and so on the same connections)
  const [a, g] = await Promise.all([acme.getBalance({ externalId: 'user_1' }), globex.getBalance({ externalId: 'user_1' })]);
  assert.equal(a.balance, '100');
  assert.equal(g.balance, '7');
  const { account } = await acme.createAccount({ externalId: 'only_acme' });
  await rejectsWith(globex.getBalance({ accountId: account.id }), AccountNotFoundError);
  await rejectsWith(globex.getBalance({ externalId: 'only_acme' }), AccountNotFoundError);
  const { accounts } = await globex.listAccounts();
  assert.deepEqual(accounts.map((x) => x.externalId), ['user_1']);
});

test('no session state is left on pooled connections (safe behind PgBouncer transaction mode)', async () => {
  const one = new pg.Pool({ max: 1 });
  try {
    const credits = new CreditsClient({ pool: one, tenant: unique('t') });
    await credits.createAccount({ externalId: 'u', initialBalance: 5 });
    await credits.deductCredits({ externalId: 'u', amount: 1 });
    await rejectsWith(credits.deductCredits({ externalId: 'u', amount: 100 }), InsufficientCreditsError);
    const r = await one.query(
      "SELECT current_setting('credits.tenant', true) AS tenant, (SELECT count(*) FROM pg_prepared_statements) AS prepared",
    );
    assert.ok(r.rows[0].tenant === null || r.rows[0].tenant === '' || r.rows[0].tenant === 'default', `tenant leaked: ${r.rows[0].tenant}`);
    assert.equal(Number(r.rows[0].prepared), 0); // no named prepared statements
    const status = await one.connect();
    assert.equal(status.getTransactionStatus(), 'I'); // nothing left open
    status.release();
  } finally {
    await one.end();
  }
});

test("inside the app's transaction: joins it, sees its own writes, and a rollback writes nothing", async () => {
  const tenant = unique('t');
  const credits = new CreditsClient({ pool, tenant });
  await credits.createAccount({ externalId: 'u', initialBalance: 100 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const inTx = credits.withClient(client);
    await inTx.deductCredits({ externalId: 'u', amount: 30 });
    await inTx.createAccount({ externalId: 'created_then_rolled_back' });
    await client.query('CREATE TEMP TABLE app_orders (id int) ON COMMIT DROP');
    await client.query('INSERT INTO app_orders VALUES (1)');
    assert.equal((await inTx.getBalance({ externalId: 'u' })).balance, '70'); // its own write
    assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '100'); // others do not see it yet
    assert.equal(client.getTransactionStatus(), 'T'); // still the app's transaction
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '100');
  await rejectsWith(credits.getAccount({ externalId: 'created_then_rolled_back' }), AccountNotFoundError);
  const { items } = await credits.listTransactions({ externalId: 'u' });
  assert.equal(items.length, 1); // the initial balance only
});

test("a call that fails inside the app's transaction leaves it to the app (aborted, not committed)", async () => {
  const credits = new CreditsClient({ pool, tenant: unique('t') });
  await credits.createAccount({ externalId: 'u', initialBalance: 1 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const inTx = new CreditsClient({ client, tenant: credits.tenant });
    await inTx.deductCredits({ externalId: 'u', amount: 1 });
    await rejectsWith(inTx.deductCredits({ externalId: 'u', amount: 1 }), InsufficientCreditsError);
    await rejectsWith(inTx.getBalance({ externalId: 'u' }), InFailedTransactionError);
    assert.equal(client.getTransactionStatus(), 'E'); // still the app's to roll back
    await client.query('ROLLBACK');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '1');
});

test('a pg.Client outside a transaction: each call commits on its own, with its tenant', async () => {
  const client = new pg.Client();
  await client.connect();
  try {
    const tenant = unique('t');
    const credits = new CreditsClient({ client, tenant });
    await credits.createAccount({ externalId: 'u', initialBalance: 10 });
    // concurrent calls on one connection never share a transaction
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => credits.deductCredits({ externalId: 'u', amount: 1 })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof InsufficientCreditsError).length, 2);
    assert.equal(client.getTransactionStatus(), 'I');
    const session = await client.query("SELECT current_setting('credits.tenant', true) AS tenant");
    assert.notEqual(session.rows[0].tenant, tenant);
    const other = new CreditsClient({ pool, tenant });
    assert.equal((await other.getBalance({ externalId: 'u' })).balance, '0'); // committed
  } finally {
    await client.end();
  }
});

test('transaction(): several calls commit together, or none', async () => {
  const credits = new CreditsClient({ pool, tenant: unique('t') });
  await credits.createAccount({ externalId: 'a', initialBalance: 50 });
  await credits.createAccount({ externalId: 'b' });
  const moved = await credits.transaction(async (tx) => {
    await tx.deductCredits({ externalId: 'a', amount: 20 });
    return tx.addCredits({ externalId: 'b', amount: 20 });
  });
  assert.equal(moved.balance, '20');
  await assert.rejects(
    credits.transaction(async (tx) => {
      await tx.deductCredits({ externalId: 'a', amount: 30 });
      await tx.addCredits({ externalId: 'b', amount: 30 });
      throw new Error('the app changed its mind');
    }),
    /changed its mind/,
  );
  assert.equal((await credits.getBalance({ externalId: 'a' })).balance, '30');
  assert.equal((await credits.getBalance({ externalId: 'b' })).balance, '20');
});

test('a bad tenant is refused by the server and the pooled connection stays usable', async () => {
  const one = new pg.Pool({ max: 1 });
  try {
    const bad = new CreditsClient({ pool: one, tenant: ' bad tenant' });
    await assert.rejects(() => bad.getBalance({ externalId: 'u' }), (err: Error) => err.name === 'InvalidParameterError');
    const quoted = new CreditsClient({ pool: one, tenant: "o'brien\\inc" });
    await quoted.createAccount({ externalId: 'u' });
    assert.equal((await quoted.getAccount({ externalId: 'u' })).externalId, 'u');
    const r = await one.query("SELECT count(*)::int AS n FROM credits_accounts");
    assert.equal(r.rows[0].n, 0); // the default tenant saw nothing of it
  } finally {
    await one.end();
  }
});
