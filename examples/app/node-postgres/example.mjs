// credits from node-postgres (pg 8). Connects with the PG* environment variables.
import pg from 'pg';

const pool = new pg.Pool();

// One transaction with the tenant set for it alone: set_config(..., true) is
// SET LOCAL, so it ends with the transaction and never leaks to the next user
// of a pooled connection (PgBouncer's included).
async function inTenant(tenant, work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('credits.tenant', $1, true)", [tenant]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

// numeric comes back as a string ('99.90'): exact. Never parseFloat it; send
// amounts as strings too.
const debit = await inTenant('node', async (db) => {
  await db.query("SELECT id FROM credits_create_account('user_1', scale => 2, initial_balance => '100')");
  const { rows } = await db.query(
    'SELECT balance, available FROM credits_debit(account => $1, amount => $2, description => $3)',
    ['user_1', '0.10', 'gpt-4o call']);
  return rows[0];
});
console.log('debit: balance', typeof debit.balance, debit.balance);

// A batch: JSON.stringify the operations and cast to jsonb (pg would send a
// bare JS array as a PostgreSQL array, which is not JSON).
const ops = [
  { op: 'debit', account: 'user_1', amount: '12.50', idempotency_key: 'req_1' },
  { op: 'credit', account: 'user_1', amount: '5.25', description: 'refund' },
];
const batch = await inTenant('node', (db) =>
  db.query('SELECT index, ok, balance FROM credits_apply($1::jsonb)', [JSON.stringify(ops)]));
for (const r of batch.rows) console.log('apply:', r.index, r.ok, r.balance);

// Errors by SQLSTATE (err.code); the transaction was rolled back, nothing changed.
try {
  await inTenant('node', (db) => db.query("SELECT * FROM credits_debit('user_1', '1000')"));
} catch (err) {
  if (err.code !== 'CR001') throw err; // insufficient_credits
  console.log('refused:', err.code);
}
// JS arithmetic on amounts: 0.1 + 0.2 is 0.30000000000000004, which a scale-2
// account refuses (CR008) rather than round.
try {
  await inTenant('node', (db) => db.query("SELECT * FROM credits_debit('user_1', $1)", [0.1 + 0.2]));
} catch (err) {
  if (err.code !== 'CR008') throw err; // invalid_amount
  console.log('refused:', err.code);
}

const { rows: [b] } = await inTenant('node', (db) => db.query("SELECT balance FROM credits_balance('user_1')"));
console.log('final balance', b.balance);
await pool.end();
