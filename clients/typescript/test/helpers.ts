// Shared by the tests: a pool on the server in the environment (PG* variables,
// as scripts/with-cluster.sh sets them; PGDATABASE is the database that
// run-tests.sh created with the extension), and unique names so that test
// files running at once never meet.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CreditsClient, type CreditsClientOptions } from '@credits/pg-client';

export function unique(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function newPool(): pg.Pool {
  return new pg.Pool({ max: 4 });
}

/** A client on its own fresh tenant, so that listings only see this test's rows. */
export function newCredits(pool: pg.Pool, options: Partial<CreditsClientOptions> = {}): CreditsClient {
  return new CreditsClient({ pool, tenant: unique('t'), ...options });
}

/** Whether the installed credits has a function (0.9.0's listings, for instance). */
export async function hasFunction(pool: pg.Pool, name: string): Promise<boolean> {
  const r = await pool.query('SELECT 1 FROM pg_proc WHERE proname = $1', [name]);
  return r.rowCount !== null && r.rowCount > 0;
}

/** Rejects with an error of this class; returns it for more checks. */
export async function rejectsWith<E extends Error>(promise: Promise<unknown>, Class: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Class) return err;
    throw new Error(`expected ${Class.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  throw new Error(`expected ${Class.name}, but the call succeeded`);
}
