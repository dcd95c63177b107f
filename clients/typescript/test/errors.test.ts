import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import {
  AccountNotActiveError, AccountNotFoundError, CreditsClient, CreditsError, DuplicateAccountError, DuplicatePlanError,
  IdempotencyConflictError, InsufficientCreditsError, InvalidAmountError, InvalidParameterError, PlanNotFoundError,
  ReadOnlyError, ReservationNotFoundError, ReservationNotPendingError, SerializationError, TransactionNotFoundError,
  ReversalExceedsOriginalError, UnitMismatchError, ConsumerNotFoundError, PriceNotFoundError, UndefinedFunctionError,
  errorClassFor, toCreditsError,
} from '@credits/pg-client';
import { newCredits, newPool, rejectsWith, unique } from './helpers';

let pool: pg.Pool;
before(() => { pool = newPool(); });
after(() => pool.end());

test('every CR code of the README has its class', () => {
  for (let i = 1; i <= 28; i++) {
    const sqlstate = `CR${String(i).padStart(3, '0')}`;
    const Class = errorClassFor(sqlstate);
    assert.notEqual(Class, CreditsError, sqlstate);
    const err = new Class('x');
    assert.ok(err instanceof CreditsError);
    assert.equal(err.sqlstate, sqlstate);
    assert.match(err.code, /^[a-z_]+$/);
    assert.equal(err.name, Class.name);
  }
});

test('CR001 carries the numbers (detail) and what to do (hint)', async () => {
  const credits = newCredits(pool);
  await credits.createAccount({ externalId: 'u', initialBalance: 10 });
  const err = await rejectsWith(credits.deductCredits({ externalId: 'u', amount: 25 }), InsufficientCreditsError);
  assert.equal(err.sqlstate, 'CR001');
  assert.equal(err.code, 'insufficient_credits');
  assert.equal(err.name, 'InsufficientCreditsError');
  assert.match(err.message, /insufficient credits/);
  assert.match(err.detail ?? '', /25/);
  assert.ok(err.hint === undefined || err.hint.length > 0);
  assert.equal(err.retryable, false);
  assert.ok(err.cause instanceof Error); // node-postgres' DatabaseError
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '10'); // nothing written
});

test('CR002, CR003, CR004, CR005, CR007, CR008, CR009, CR010, CR011, CR012, CR015, CR016, CR017, CR021, CR026', async () => {
  const credits = newCredits(pool);
  await rejectsWith(credits.getBalance({ externalId: 'ghost' }), AccountNotFoundError);
  await credits.createAccount({ externalId: 'u', initialBalance: 100 });
  await credits.addCredits({ externalId: 'u', amount: 5, idempotencyKey: 'k' });
  await rejectsWith(credits.addCredits({ externalId: 'u', amount: 6, idempotencyKey: 'k' }), IdempotencyConflictError);
  await rejectsWith(credits.cancelReservation('res_00000000000000000000000000'), ReservationNotFoundError);
  await rejectsWith(credits.getReservation('res_nothing'), ReservationNotFoundError);
  const { reservation } = await credits.createReservation({ externalId: 'u', amount: 10 });
  await credits.cancelReservation(reservation.id);
  await rejectsWith(credits.cancelReservation(reservation.id), ReservationNotPendingError);
  await rejectsWith(credits.addCredits({ externalId: 'u', amount: '-5' }), InvalidAmountError);
  await rejectsWith(credits.reverseTransaction({ transactionId: 'txn_00000000000000000000000000' }), TransactionNotFoundError);
  const debit = await credits.deductCredits({ externalId: 'u', amount: 10 });
  await credits.reverseTransaction({ transactionId: debit.transactionId, amount: 6 });
  await rejectsWith(credits.reverseTransaction({ transactionId: debit.transactionId, amount: 6 }), ReversalExceedsOriginalError);
  await rejectsWith(credits.createAccount({ externalId: 'u' }), DuplicateAccountError);
  await rejectsWith(credits.createAccount({ externalId: ' padded' }), InvalidParameterError);
  await credits.createAccount({ externalId: 'points', unit: 'points' });
  await rejectsWith(credits.transferCredits({ from: 'u', to: 'points', amount: 1 }), UnitMismatchError);
  await rejectsWith(credits.assignPlanToAccount({ externalId: 'u', planCode: 'nope' }), PlanNotFoundError);
  const code = unique('plan');
  await credits.createPlan({ code, allowance: 10, period: 'month' });
  await rejectsWith(credits.createPlan({ code, allowance: 10, period: 'month' }), DuplicatePlanError);
  await rejectsWith(credits.charge({ externalId: 'u', model: 'unpriced' }), PriceNotFoundError);
  await rejectsWith(credits.claimEvents('nobody'), ConsumerNotFoundError);
  await credits.freezeAccount({ externalId: 'u' });
  await rejectsWith(credits.createReservation({ externalId: 'u', amount: 1 }), AccountNotActiveError);
});

test('ReadOnlyError (25006) in a read-only transaction of the app', async () => {
  const client = await pool.connect();
  try {
    const credits = new CreditsClient({ client, tenant: unique('t') });
    await client.query('BEGIN READ ONLY');
    const err = await rejectsWith(credits.createAccount({ externalId: 'u' }), ReadOnlyError);
    assert.equal(err.sqlstate, '25006');
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
});

test('SerializationError (40001) for a REPEATABLE READ caller that raced another writer; retryable', async () => {
  const tenant = unique('t');
  const credits = new CreditsClient({ pool, tenant });
  await credits.createAccount({ externalId: 'u', initialBalance: 100 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const mine = credits.withClient(client);
    await mine.getBalance({ externalId: 'u' }); // takes the snapshot
    await credits.deductCredits({ externalId: 'u', amount: 1 }); // another transaction writes the account
    const err = await rejectsWith(mine.deductCredits({ externalId: 'u', amount: 1 }), SerializationError);
    assert.equal(err.sqlstate, '40001');
    assert.equal(err.retryable, true);
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
  assert.equal((await credits.getBalance({ externalId: 'u' })).balance, '99');
});

test('a parameter the installed credits does not have is UndefinedFunctionError, not a silent default', async () => {
  const client = await pool.connect();
  try {
    const err = await client.query('SELECT * FROM credits_debit(no_such_argument => 1)').catch((e: unknown) => e);
    assert.ok(toCreditsError(err) instanceof UndefinedFunctionError);
  } finally {
    client.release();
  }
});

test('errors without a SQLSTATE (no server) are thrown as they are', async () => {
  const { Pool } = await import('pg');
  const dead = new Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 });
  try {
    const credits = new CreditsClient({ pool: dead, tenant: 'x' });
    await assert.rejects(() => credits.getBalance({ externalId: 'u' }), (err: Error) => !(err instanceof CreditsError));
  } finally {
    await dead.end();
  }
});
