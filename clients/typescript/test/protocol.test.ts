// What goes over the wire: per call, BEGIN with the tenant set for the
// transaction only, the call as one parameterised statement (unnamed: no
// prepared statement survives it), COMMIT; or, on the app's connection inside
// its transaction, the tenant and the call with no BEGIN or COMMIT of ours.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { CreditsClient, type PoolLike } from '@credits/pg-client';
import { newPool, unique } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

type Sent = { text: string; values?: unknown[]; name?: string };

/** Records every query made on the connections it lends (and stops when they are released). */
function spy(target: pg.Pool): { pool: PoolLike; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    pool: {
      async connect() {
        const client = await target.connect();
        const query = client.query;
        const release = client.release;
        client.query = ((config: string | Sent, values?: unknown[]) => {
          sent.push(typeof config === 'string' ? { text: config, values } : { text: config.text, values: config.values, name: config.name });
          return (query as (...a: unknown[]) => unknown).call(client, config, values);
        }) as typeof client.query;
        client.release = ((err?: Error | boolean) => {
          client.query = query;
          client.release = release;
          return release.call(client, err);
        }) as typeof client.release;
        return client;
      },
    },
  };
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

test('a pooled call: BEGIN and the tenant for this transaction, the call, COMMIT', async () => {
  const tenant = unique("it's");
  const { pool: spied, sent } = spy(pool);
  const credits = new CreditsClient({ pool: spied, tenant });
  await credits.createAccount({ externalId: 'u', initialBalance: '10' });
  sent.length = 0;
  await credits.deductCredits({ externalId: 'u', amount: '2.0', idempotencyKey: 'k' });
  assert.deepEqual(sent.map((q) => squash(q.text)), [
    `BEGIN; SELECT pg_catalog.set_config('credits.tenant', '${tenant.replace("'", "''")}', true)`,
    'SELECT * FROM credits_debit("account" => $1::text, "amount" => $2::numeric, "idempotency_key" => $3::text)',
    'COMMIT',
  ]);
  assert.deepEqual(sent[1].values, ['u', '2.0', 'k']);
  assert.ok(sent.every((q) => q.name === undefined));
});

test('a failed pooled call is rolled back', async () => {
  const { pool: spied, sent } = spy(pool);
  const credits = new CreditsClient({ pool: spied, tenant: unique('t') });
  await credits.getBalance({ externalId: 'nobody' }).catch(() => undefined);
  assert.deepEqual(sent.map((q) => squash(q.text)).slice(-1), ['ROLLBACK']);
});

test("on the app's connection in its transaction: the tenant, the call, and no BEGIN/COMMIT of ours", async () => {
  const tenant = unique('t');
  await new CreditsClient({ pool, tenant }).createAccount({ externalId: 'u', initialBalance: 5 });
  const { pool: spied, sent } = spy(pool);
  const client = await spied.connect();
  try {
    await client.query('BEGIN');
    await new CreditsClient({ client, tenant }).getBalance({ externalId: 'u' });
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  assert.deepEqual(sent.map((q) => squash(q.text)), [
    'BEGIN',
    "SELECT pg_catalog.set_config('credits.tenant', $1, true)",
    'SELECT * FROM credits_balance("account" => $1::text)',
    'COMMIT',
  ]);
});

test('wrong connection kinds are refused with a clear message', () => {
  assert.throws(() => new CreditsClient({ pool: new pg.Client() as unknown as PoolLike }), /pass a pg.Client as \{ client \}/);
  assert.throws(() => new CreditsClient({ client: pool as unknown as pg.Client }), /pass a pg.Pool as \{ pool \}/);
  assert.throws(() => new CreditsClient({} as never), /exactly one of/);
});
