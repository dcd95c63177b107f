import type { ClientBase, PoolClient } from 'pg';
import { CreditsError, ReservationNotFoundError, toCreditsError } from './errors';
import type {
  Account, AccountRef, AccountSummary, AddCreditsParams, AdjustParams, AlertSettings, AssignPlanParams,
  BalanceResponse, BatchOp, BatchResult, ChargeParams, CompleteReloadParams, Confirmation,
  ConfirmReservationOptions, CreateAccountParams, CreateConsumerParams, CreatePlanParams,
  CreateReservationParams, CreateTransactionParams, CreditsEvent, DeductCreditsParams, EventConsumer,
  GetUsageParams, Grant, GrantStatus, LedgerEntry, ListAccountsParams, ListTransactionsParams, Metadata,
  PaginatedResult, Pagination, Plan, PriceVersion, Quote, QuoteParams, RecordUsageParams, ReloadRequest,
  ReloadResult, Reservation, ReservationDetails, ReverseParams, Reversal, SetAlertsParams, SetAutoReloadParams,
  SetPriceParams, StatusChange, Subscription, Transaction, TransferParams, TransferResult, UpdateAccountFields,
  UsageRecord, UsageSummaryParams, UsageSummaryRow, VerifyProblem,
} from './types';
import {
  amountText, countNumber, countText, durationText, jsonText, mapRow, queryTypes, timeText,
  type AmountInput, type DurationInput,
} from './values';

/** Something that lends connections: a `pg.Pool` (or anything with the same `connect()`). */
export interface PoolLike {
  connect(): Promise<PoolClient>;
}

export interface CreditsClientOptions {
  /**
   * A pg.Pool: each call borrows a connection and runs in a transaction of its own
   * (`BEGIN`, the tenant with `set_config(..., true)`, the call, `COMMIT`): no session
   * state and no named prepared statements, so it is safe behind PgBouncer in
   * transaction mode.
   */
  pool?: PoolLike;
  /**
   * A pg.Client or a checked-out pg.PoolClient of yours. Inside your transaction
   * (after your `BEGIN`) calls join it: the tenant is set for the rest of that
   * transaction and nothing is committed or rolled back by us. Outside one, each
   * call runs in a transaction of its own on that connection. Needs pg >= 8.21
   * (`client.getTransactionStatus()`).
   */
  client?: ClientBase;
  /**
   * The credits tenant of every call (`credits.tenant`). When omitted no tenant
   * is set: the server's default, or the one tenant a bound role has.
   */
  tenant?: string;
  /**
   * Whether to use credits 0.9.0's paginated listings (credits_list_entries,
   * credits_list_accounts): 'auto' (default) finds out from the server once;
   * false uses credits_ledger / credits_accounts with a count, as on 0.8.0.
   */
  listFunctions?: 'auto' | boolean;
}

type Row = Record<string, unknown>;
type SqlArg = readonly [name: string, value: unknown, type: string];

/** One call's access to its connection. */
class Session {
  constructor(readonly client: ClientBase) {}

  async rows<T = Row>(text: string, values: unknown[] = []): Promise<T[]> {
    const result = await this.client.query<Row>({ text, values, types: queryTypes });
    return result.rows.map(mapRow) as T[];
  }

  async one<T = Row>(text: string, values: unknown[] = []): Promise<T> {
    const rows = await this.rows<T>(text, values);
    if (rows.length !== 1) throw new Error(`credits: expected one row, got ${rows.length}`);
    return rows[0] as T;
  }

  /** `SELECT * FROM fn(name => $1::type, ...)`, leaving out every argument that is undefined. */
  call<T = Row>(fn: string, args: readonly SqlArg[]): Promise<T[]> {
    const { text, values } = callSql(fn, args);
    return this.rows<T>(text, values);
  }

  async callOne<T = Row>(fn: string, args: readonly SqlArg[]): Promise<T> {
    const rows = await this.call<T>(fn, args);
    if (rows.length !== 1) throw new Error(`credits: ${fn} returned ${rows.length} rows`);
    return rows[0] as T;
  }
}

function callSql(fn: string, args: readonly SqlArg[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const named: string[] = [];
  for (const [name, value, type] of args) {
    if (value === undefined) continue;
    values.push(value);
    named.push(`"${name}" => $${values.length}::${type}`);
  }
  return { text: `SELECT * FROM ${fn}(${named.join(', ')})`, values };
}

interface Features {
  listEntries: boolean;
  listAccounts: boolean;
}

/** @internal What a CreditsClient and the ones derived from it (withTenant, withClient) share. */
interface Shared {
  features: Promise<Features> | undefined;
  listFunctions: 'auto' | boolean;
}

/** @internal */
type Mode =
  | { kind: 'pool'; pool: PoolLike }
  | { kind: 'client'; client: ClientBase }
  /** Inside a transaction we know is open (CreditsClient.transaction). */
  | { kind: 'joined'; client: ClientBase };

// Calls on one connection of the app's run one at a time, so that our BEGIN ...
// COMMIT never takes in another call's statements.
const connectionLocks = new WeakMap<object, Promise<void>>();

async function withConnectionLock<T>(key: object, work: () => Promise<T>): Promise<T> {
  const previous = connectionLocks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  connectionLocks.set(key, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (connectionLocks.get(key) === tail) connectionLocks.delete(key);
  }
}

function transactionStatus(client: ClientBase): string | null {
  const c = client as ClientBase & { getTransactionStatus?: () => string | null };
  if (typeof c.getTransactionStatus !== 'function') {
    throw new TypeError(
      'CreditsClient({ client }) needs pg >= 8.21 (client.getTransactionStatus()); use { pool }, or upgrade pg',
    );
  }
  return c.getTransactionStatus();
}

function accountOf(ref: Partial<{ accountId: string; externalId: string; account: string }>): string {
  const given = [ref.accountId, ref.externalId, ref.account].filter((v) => v !== undefined);
  if (given.length !== 1 || typeof given[0] !== 'string') {
    throw new TypeError('pass exactly one of accountId, externalId and account');
  }
  return given[0];
}

function optionalAccountOf(ref: Partial<{ accountId: string; externalId: string; account: string }>): string | undefined {
  if (ref.accountId === undefined && ref.externalId === undefined && ref.account === undefined) return undefined;
  return accountOf(ref);
}

function pageLimit(limit: number | undefined, fallback = 50): number {
  const n = limit ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new RangeError(`limit must be a whole number from 1 to 1000, not ${n}`);
  return n;
}

function pageOffset(offset: number | undefined): number {
  const n = offset ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 2147483647) throw new RangeError(`offset must be a whole number >= 0, not ${n}`);
  return n;
}

function toTotal(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/**
 * The credits API over node-postgres. Method names and shapes follow the hosted
 * credits SDK (listAccounts, getAccount, createAccount, getBalance, addCredits, ...);
 * the rest of credits (transfers, reversals, grants, batches, charges, alerts, the
 * event feed) sits beside them.
 */
export class CreditsClient {
  readonly tenant: string | undefined;
  private readonly mode: Mode;
  private readonly shared: Shared;

  constructor(options: CreditsClientOptions);
  /** @internal */
  constructor(options: CreditsClientOptions, mode: Mode, shared: Shared);
  constructor(options: CreditsClientOptions, mode?: Mode, shared?: Shared) {
    if (mode === undefined) {
      if ((options.pool === undefined) === (options.client === undefined)) {
        throw new TypeError('CreditsClient: pass exactly one of { pool } and { client }');
      }
      if (options.pool !== undefined && typeof (options.pool as { escapeLiteral?: unknown }).escapeLiteral === 'function') {
        throw new TypeError('CreditsClient: that is a connection, not a pool: pass a pg.Client as { client }');
      }
      if (options.client !== undefined && typeof (options.client as { escapeLiteral?: unknown }).escapeLiteral !== 'function') {
        throw new TypeError('CreditsClient: that is not a connection: pass a pg.Pool as { pool }');
      }
      mode = options.pool !== undefined ? { kind: 'pool', pool: options.pool } : { kind: 'client', client: options.client as ClientBase };
    }
    if (options.tenant !== undefined && (typeof options.tenant !== 'string' || options.tenant === '')) {
      throw new TypeError('CreditsClient: tenant must be a non-empty string');
    }
    this.tenant = options.tenant;
    this.mode = mode;
    this.shared = shared ?? { features: undefined, listFunctions: options.listFunctions ?? 'auto' };
  }

  /** The same client for another tenant. */
  withTenant(tenant: string): CreditsClient {
    return new CreditsClient({ tenant }, this.mode, this.shared);
  }

  /**
   * The same tenant on a connection of yours, typically inside your own
   * transaction: `await client.query('BEGIN'); await credits.withClient(client).deductCredits(...)`.
   */
  withClient(client: ClientBase): CreditsClient {
    return new CreditsClient({ tenant: this.tenant }, { kind: 'client', client }, this.shared);
  }

  /**
   * Several calls in one transaction: committed when `work` resolves, rolled back
   * when it throws. On a pool it borrows one connection; on a client already in
   * a transaction it joins it.
   */
  async transaction<T>(work: (tx: CreditsClient) => Promise<T>): Promise<T> {
    const mode = this.mode;
    if (mode.kind === 'joined') return work(this);
    try {
      if (mode.kind === 'pool') {
        const client = await mode.pool.connect();
        return await this.ownTransaction(client, () => work(this.joinedOn(client)), (err) => client.release(err));
      }
      return await this.onClient(mode.client, () => work(this.joinedOn(mode.client)));
    } catch (err) {
      throw toCreditsError(err);
    }
  }

  private joinedOn(client: ClientBase): CreditsClient {
    return new CreditsClient({ tenant: this.tenant }, { kind: 'joined', client }, this.shared);
  }

  // -------------------------------------------------------------------------
  // Running calls

  /** Runs `work` with the tenant set, in a transaction (ours or the caller's). */
  private async run<T>(work: (s: Session) => Promise<T>): Promise<T> {
    const mode = this.mode;
    try {
      if (mode.kind === 'joined') return await this.joined(mode.client, work);
      if (mode.kind === 'pool') {
        const client = await mode.pool.connect();
        return await this.ownTransaction(client, () => work(new Session(client)), (err) => client.release(err));
      }
      return await this.onClient(mode.client, () => work(new Session(mode.client)));
    } catch (err) {
      throw toCreditsError(err);
    }
  }

  /** BEGIN (with the tenant), work, COMMIT; ROLLBACK when anything fails. `done` releases the connection. */
  private async ownTransaction<T>(
    client: ClientBase,
    work: () => Promise<T>,
    done: (err?: Error | boolean) => void,
  ): Promise<T> {
    let broken: Error | undefined;
    try {
      // One round trip: the tenant is a literal (escapeLiteral) in the same simple query.
      await client.query(
        this.tenant === undefined
          ? 'BEGIN'
          : `BEGIN; SELECT pg_catalog.set_config('credits.tenant', ${client.escapeLiteral(this.tenant)}, true)`,
      );
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // the connection is unusable: the pool discards it
      }
      throw err;
    } finally {
      done(broken);
    }
  }

  /**
   * On a connection of the app's: set the tenant (a query, after which the
   * connection's transaction status is current: node-postgres reports an error
   * before the server says whether a transaction is still open), then join the
   * app's transaction, or run in one of our own when there is none.
   */
  private onClient<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
    transactionStatus(client); // pg >= 8.21, or a clear error
    return withConnectionLock(client, async () => {
      await client.query(
        this.tenant === undefined
          ? 'SELECT 1'
          : { text: "SELECT pg_catalog.set_config('credits.tenant', $1, true)", values: [this.tenant] },
      );
      if (transactionStatus(client) === 'T') return work();
      // Not in a transaction block: that setting ended with its statement.
      return this.ownTransaction(client, work, () => undefined);
    });
  }

  /** Inside a transaction we opened (transaction()): set the tenant for it, then work. */
  private async joined<T>(client: ClientBase, work: (s: Session) => Promise<T>): Promise<T> {
    if (this.tenant !== undefined) {
      await client.query({ text: "SELECT pg_catalog.set_config('credits.tenant', $1, true)", values: [this.tenant] });
    }
    return work(new Session(client));
  }

  private callOne<T>(fn: string, args: readonly SqlArg[]): Promise<T> {
    return this.run((s) => s.callOne<T>(fn, args));
  }

  private call<T>(fn: string, args: readonly SqlArg[]): Promise<T[]> {
    return this.run((s) => s.call<T>(fn, args));
  }

  private async features(s: Session): Promise<Features> {
    const choice = this.shared.listFunctions;
    if (choice !== 'auto') return { listEntries: choice, listAccounts: choice };
    if (this.shared.features === undefined) {
      const probe = s
        .one<{ listEntries: boolean; listAccounts: boolean }>(
          `SELECT coalesce(bool_or(proname = 'credits_list_entries'), false) AS list_entries,
                  coalesce(bool_or(proname = 'credits_list_accounts'), false) AS list_accounts
             FROM pg_catalog.pg_proc
            WHERE proname IN ('credits_list_entries', 'credits_list_accounts')
              AND pg_catalog.pg_function_is_visible(oid)`,
        )
        .catch((err: unknown) => {
          this.shared.features = undefined;
          throw err;
        });
      this.shared.features = probe;
    }
    return this.shared.features;
  }

  // -------------------------------------------------------------------------
  // Accounts

  /** The tenant's accounts, oldest first, a page at a time; filter by owner, status or metadata. */
  async listAccounts(params: ListAccountsParams = {}): Promise<{ accounts: Account[]; pagination: Pagination }> {
    const limit = pageLimit(params.limit);
    const offset = pageOffset(params.offset);
    const metadata = jsonText(params.metadata);
    return this.run(async (s) => {
      let rows: Row[];
      let total: number;
      if ((await this.features(s)).listAccounts) {
        const args = (size: number, skip: number, after: string | undefined): SqlArg[] => [
          ['owner_id', params.ownerId, 'text'],
          ['status', params.status, 'text'],
          ['metadata', metadata, 'jsonb'],
          ['page_size', size, 'int'],
          ['page_offset', skip, 'int'],
          ['after', after, 'text'],
        ];
        rows = await s.call('credits_list_accounts', args(limit, offset, params.cursor));
        // An empty page carries no total_count: ask for the first row of the whole listing.
        total = rows.length > 0 ? toTotal(rows[0]?.totalCount) : offset === 0 && params.cursor === undefined ? 0
          : toTotal((await s.call('credits_list_accounts', args(1, 0, undefined)))[0]?.totalCount);
        for (const row of rows) {
          delete row.totalCount;
          delete row.cursor;
        }
      } else {
        const where: string[] = [];
        const values: unknown[] = [];
        const add = (sql: string, value: unknown) => {
          values.push(value);
          where.push(sql.replace('?', `$${values.length}`));
        };
        if (params.ownerId !== undefined) add('owner_id = ?::text', params.ownerId);
        if (params.status !== undefined) add('status = ?::text', params.status);
        if (metadata !== undefined && metadata !== null) add('metadata @> ?::jsonb', metadata);
        const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
        const counted = await s.one<{ total: string }>(`SELECT count(*) AS total FROM credits_accounts ${filter}`, values);
        total = toTotal(counted.total);
        if (params.cursor !== undefined) add('id > ?::text', params.cursor);
        const pageFilter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
        values.push(limit, offset);
        rows = await s.rows(
          `SELECT * FROM credits_accounts ${pageFilter} ORDER BY id LIMIT $${values.length - 1}::int OFFSET $${values.length}::int`,
          values,
        );
      }
      const accounts = rows as unknown as Account[];
      const last = accounts[accounts.length - 1];
      const hasMore = params.cursor === undefined ? offset + accounts.length < total : accounts.length === limit;
      return {
        accounts,
        pagination: { limit, offset, total, hasMore, nextCursor: hasMore && last ? last.id : null },
      };
    });
  }

  /** An account by its id or your external id (AccountNotFoundError if none). */
  async getAccount(ref: AccountRef): Promise<Account> {
    return this.callOne('credits_get_account', [['account', accountOf(ref), 'text']]);
  }

  /** Creates an account (DuplicateAccountError when the external id is taken, unless the idempotency key matches). */
  async createAccount(params: CreateAccountParams): Promise<{ account: Account }> {
    const account = await this.callOne<Account>('credits_create_account', [
      ['external_id', params.externalId, 'text'],
      ['name', params.name, 'text'],
      ['email', params.email, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
      ['unit', params.unit, 'text'],
      ['scale', params.scale, 'int'],
      ['overdraft_limit', amountText(params.overdraftLimit, 'overdraftLimit'), 'numeric'],
      ['initial_balance', amountText(params.initialBalance, 'initialBalance'), 'numeric'],
      ['owner_id', params.ownerId, 'text'],
      ['default_grant_ttl', durationText(params.defaultGrantTtl), 'interval'],
      ['min_credit_amount', amountText(params.minCreditAmount, 'minCreditAmount'), 'numeric'],
      ['notify_emails', params.notifyEmails, 'text[]'],
      ['idempotency_key', params.idempotencyKey, 'text'],
    ]);
    return { account };
  }

  /** Changes only the fields given. */
  async updateAccount(params: AccountRef & UpdateAccountFields): Promise<Account> {
    return this.callOne('credits_update_account', [
      ['account', accountOf(params), 'text'],
      ['name', params.name, 'text'],
      ['email', params.email, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
      ['overdraft_limit', amountText(params.overdraftLimit, 'overdraftLimit'), 'numeric'],
      ['status', params.status, 'text'],
      ['default_grant_ttl', durationText(params.defaultGrantTtl), 'interval'],
      ['min_credit_amount', amountText(params.minCreditAmount, 'minCreditAmount'), 'numeric'],
      ['notify_emails', params.notifyEmails, 'text[]'],
    ]);
  }

  /** balance, reserved and available. */
  async getBalance(ref: AccountRef): Promise<BalanceResponse> {
    return this.callOne('credits_balance', [['account', accountOf(ref), 'text']]);
  }

  /** The account, its balance, plan, this month's usage and its usage of all time, in one row. */
  async getAccountSummary(params: AccountRef & { timeZone?: string }): Promise<AccountSummary> {
    return this.callOne('credits_account_summary', [
      ['account', accountOf(params), 'text'],
      ['time_zone', params.timeZone, 'text'],
    ]);
  }

  /** active → frozen: credits still arrive; no debits, no new holds. */
  async freezeAccount(params: AccountRef & { reason?: string }): Promise<Account> {
    return this.lifecycle('credits_freeze', params);
  }

  /** frozen → active. */
  async unfreezeAccount(params: AccountRef & { reason?: string }): Promise<Account> {
    return this.lifecycle('credits_unfreeze', params);
  }

  /** active or frozen → closed; only with zero balance and no pending holds (AccountNotEmptyError). */
  async closeAccount(params: AccountRef & { reason?: string }): Promise<Account> {
    return this.lifecycle('credits_close', params);
  }

  /** closed → active. */
  async reopenAccount(params: AccountRef & { reason?: string }): Promise<Account> {
    return this.lifecycle('credits_reopen', params);
  }

  private lifecycle(fn: string, params: AccountRef & { reason?: string }): Promise<Account> {
    return this.callOne(fn, [
      ['account', accountOf(params), 'text'],
      ['reason', params.reason, 'text'],
    ]);
  }

  /** Every status change of the account, oldest first. */
  async getStatusHistory(ref: AccountRef): Promise<{ history: StatusChange[] }> {
    const account = accountOf(ref);
    const history = await this.run(async (s) => {
      const { id } = await s.callOne<{ id: string }>('credits_get_account', [['account', account, 'text']]);
      return s.rows<StatusChange>('SELECT * FROM credits_status_history WHERE account_id = $1::text ORDER BY id', [id]);
    });
    return { history };
  }

  // -------------------------------------------------------------------------
  // Credits and debits

  /**
   * Adds credits. With expiresAt / expiresIn, a priority or a category the credit
   * is a grant (spent in burn-down order, expiring).
   */
  async addCredits(params: AccountRef & AddCreditsParams): Promise<Transaction> {
    const metadata: Metadata | undefined =
      params.paymentMethod === undefined ? params.metadata : { paymentMethod: params.paymentMethod, ...params.metadata };
    return this.callOne('credits_credit', [
      ['account', accountOf(params), 'text'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['description', params.description, 'text'],
      ['reference', params.reference, 'text'],
      ['idempotency_key', params.idempotencyKey, 'text'],
      ['metadata', jsonText(metadata), 'jsonb'],
      ['expires_at', timeText(params.expiresAt), 'timestamptz'],
      ['expires_in', durationText(params.expiresIn), 'interval'],
      ['priority', params.priority, 'int'],
      ['category', params.category, 'text'],
    ]);
  }

  /** Deducts credits (InsufficientCreditsError beyond available + overdraft limit). */
  async deductCredits(params: AccountRef & DeductCreditsParams): Promise<Transaction> {
    return this.callOne('credits_debit', [
      ['account', accountOf(params), 'text'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['description', params.description, 'text'],
      ['reference', params.reference, 'text'],
      ['idempotency_key', params.idempotencyKey, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
    ]);
  }

  /** A manual credit or debit (e.g. a refund as a credit). */
  async createTransaction(params: AccountRef & CreateTransactionParams): Promise<Transaction> {
    if (params.type === 'credit') {
      const { type: _type, ...rest } = params;
      return this.addCredits(rest as AccountRef & AddCreditsParams);
    }
    if (params.type === 'debit') {
      const { type: _type, ...rest } = params;
      return this.deductCredits(rest as AccountRef & DeductCreditsParams);
    }
    throw new TypeError(`createTransaction: type must be 'credit' or 'debit'`);
  }

  /**
   * The account's ledger, newest first: `{ items, pagination }` with the total of
   * matching entries. Page with limit/offset, or pass `pagination.nextCursor` as
   * `cursor` for a page that stays the same while new entries arrive.
   */
  async listTransactions(params: AccountRef & ListTransactionsParams): Promise<PaginatedResult<LedgerEntry>> {
    const account = accountOf(params);
    const limit = pageLimit(params.limit);
    const offset = pageOffset(params.offset);
    const since = timeText(params.since);
    const until = timeText(params.until);
    return this.run(async (s) => {
      let rows: Row[];
      let total: number;
      if ((await this.features(s)).listEntries) {
        const args = (size: number, skip: number, after: string | undefined): SqlArg[] => [
          ['account', account, 'text'],
          ['page_size', size, 'int'],
          ['page_offset', skip, 'int'],
          ['after', after, 'text'],
          ['entry_type', params.type, 'text'],
          ['since', since, 'timestamptz'],
          ['until', until, 'timestamptz'],
        ];
        rows = await s.call('credits_list_entries', args(limit, offset, params.cursor));
        total = rows.length > 0 ? toTotal(rows[0]?.totalCount) : offset === 0 && params.cursor === undefined ? 0
          : toTotal((await s.call('credits_list_entries', args(1, 0, undefined)))[0]?.totalCount);
        for (const row of rows) {
          delete row.totalCount;
          delete row.cursor;
        }
      } else {
        // credits 0.8.0: credits_ledger validates and pages by offset; the view
        // counts and pages after a cursor (the entry number).
        const { id } = await s.callOne<{ id: string }>('credits_get_account', [['account', account, 'text']]);
        const where = ['account_id = $1::text'];
        const values: unknown[] = [id];
        const add = (sql: string, value: unknown) => {
          values.push(value);
          where.push(sql.replace('?', `$${values.length}`));
        };
        if (params.type !== undefined) add('type = ?::text', params.type);
        if (since !== undefined && since !== null) add('created_at >= ?::timestamptz', since);
        if (until !== undefined && until !== null) add('created_at < ?::timestamptz', until);
        if (params.cursor === undefined) {
          rows = await s.call('credits_ledger', [
            ['account', id, 'text'],
            ['entry_type', params.type, 'text'],
            ['since', since, 'timestamptz'],
            ['until', until, 'timestamptz'],
            ['page_size', limit, 'int'],
            ['page_offset', offset, 'int'],
          ]);
        }
        const counted = await s.one<{ total: string }>(
          `SELECT count(*) AS total FROM credits_entries WHERE ${where.join(' AND ')}`,
          values,
        );
        total = toTotal(counted.total);
        if (params.cursor !== undefined) {
          if (!/^[0-9]{1,19}$/.test(params.cursor)) throw new RangeError(`cursor ${JSON.stringify(params.cursor)} is not a cursor of listTransactions`);
          add('id < ?::bigint', params.cursor);
          values.push(limit, offset);
          rows = await s.rows(
            `SELECT * FROM credits_entries WHERE ${where.join(' AND ')}
              ORDER BY id DESC LIMIT $${values.length - 1}::int OFFSET $${values.length}::int`,
            values,
          );
        }
      }
      const items = rows! as unknown as LedgerEntry[];
      const last = items[items.length - 1];
      const hasMore = params.cursor === undefined ? offset + items.length < total : items.length === limit;
      return { items, pagination: { limit, offset, total, hasMore, nextCursor: hasMore && last ? String(last.id) : null } };
    });
  }

  // -------------------------------------------------------------------------
  // Reservations

  /** Holds credits before an expensive call; confirm or cancel it afterwards. */
  async createReservation(params: AccountRef & CreateReservationParams): Promise<{ reservation: Reservation }> {
    const reservation = await this.callOne<Reservation>('credits_reserve', [
      ['account', accountOf(params), 'text'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['expires_in', durationText(params.expiresIn), 'interval'],
      ['expires_at', timeText(params.expiresAt), 'timestamptz'],
      ['description', params.description, 'text'],
      ['reference', params.reference, 'text'],
      ['idempotency_key', params.idempotencyKey, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
    ]);
    return { reservation };
  }

  /** Debits the actual amount (the whole hold when omitted) and releases the rest. */
  async confirmReservation(reservationId: string, amount?: AmountInput | null, options: ConfirmReservationOptions = {}): Promise<Confirmation> {
    return this.callOne('credits_confirm', [
      ['reservation', reservationId, 'text'],
      ['amount', amountText(amount ?? undefined, 'amount'), 'numeric'],
      ['description', options.description, 'text'],
      ['metadata', jsonText(options.metadata), 'jsonb'],
      ['on_excess', options.onExcess, 'text'],
    ]);
  }

  /** Releases the whole hold. */
  async cancelReservation(reservationId: string): Promise<Reservation> {
    return this.callOne('credits_cancel', [['reservation', reservationId, 'text']]);
  }

  /** Makes the hold last until at least now + expiresIn. */
  async extendReservation(reservationId: string, expiresIn: DurationInput): Promise<Reservation> {
    return this.callOne('credits_extend_reservation', [
      ['reservation', reservationId, 'text'],
      ['expires_in', durationText(expiresIn), 'interval'],
    ]);
  }

  /** A hold as it stands (ReservationNotFoundError if none). */
  async getReservation(reservationId: string): Promise<ReservationDetails> {
    const rows = await this.run((s) =>
      s.rows<ReservationDetails>('SELECT * FROM credits_reservations WHERE id = $1::text', [reservationId]),
    );
    if (rows.length === 0) throw new ReservationNotFoundError(`reservation "${reservationId}" not found`);
    return rows[0] as ReservationDetails;
  }

  // -------------------------------------------------------------------------
  // Transfers, reversals, adjustments

  /** Moves credits between two accounts of the same unit, in one transaction. */
  async transferCredits(params: TransferParams): Promise<TransferResult> {
    return this.callOne('credits_transfer', [
      ['from_account', params.from, 'text'],
      ['to_account', params.to, 'text'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['description', params.description, 'text'],
      ['reference', params.reference, 'text'],
      ['idempotency_key', params.idempotencyKey, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
    ]);
  }

  /** Reverses a credit, debit, adjustment, transfer or confirmed reservation, fully or partly. */
  async reverseTransaction(params: ReverseParams): Promise<Reversal> {
    return this.callOne('credits_reverse', [
      ['transaction', params.transactionId, 'text'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['reason', params.reason, 'text'],
      ['idempotency_key', params.idempotencyKey, 'text'],
      ['force', params.force, 'boolean'],
    ]);
  }

  /** A signed correction (type 'adjustment'). */
  async adjustBalance(params: AccountRef & AdjustParams): Promise<Transaction> {
    return this.callOne('credits_adjust', [
      ['account', accountOf(params), 'text'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['reason', params.reason, 'text'],
      ['idempotency_key', params.idempotencyKey, 'text'],
    ]);
  }

  // -------------------------------------------------------------------------
  // Grants and plans

  /** The account's grants in burn-down order (lowest priority, soonest expiry, oldest first). */
  async listGrants(params: AccountRef & { status?: GrantStatus }): Promise<{ grants: Grant[] }> {
    const account = accountOf(params);
    const grants = await this.run(async (s) => {
      const { id } = await s.callOne<{ id: string }>('credits_get_account', [['account', account, 'text']]);
      const values: unknown[] = [id];
      let filter = '';
      if (params.status !== undefined) {
        values.push(params.status);
        filter = ' AND status = $2::text';
      }
      return s.rows<Grant>(
        `SELECT * FROM credits_grants WHERE account_id = $1::text${filter}
          ORDER BY priority, expires_at NULLS LAST, created_at, id`,
        values,
      );
    });
    return { grants };
  }

  async createPlan(params: CreatePlanParams): Promise<Plan> {
    const rollover = params.rollover === undefined || params.rollover === 'none' || params.rollover === 'all'
      ? params.rollover : amountText(params.rollover, 'rollover');
    return this.callOne('credits_create_plan', [
      ['code', params.code, 'text'],
      ['name', params.name, 'text'],
      ['allowance', amountText(params.allowance, 'allowance'), 'numeric'],
      ['period', params.period, 'text'],
      ['rollover', rollover, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
    ]);
  }

  /** The tenant's plans, oldest first. */
  async listPlans(): Promise<{ plans: Plan[] }> {
    const plans = await this.run((s) => s.rows<Plan>('SELECT * FROM credits_plans ORDER BY created_at, id'));
    return { plans };
  }

  /** Puts the account on a plan (by id or code); 'immediate' grants the first allowance now. */
  async assignPlanToAccount(params: AccountRef & AssignPlanParams): Promise<{ subscription: Subscription }> {
    const plan = params.planId ?? params.planCode;
    if (typeof plan !== 'string') throw new TypeError('pass planId or planCode');
    const subscription = await this.callOne<Subscription>('credits_assign_plan', [
      ['account', accountOf(params), 'text'],
      ['plan', plan, 'text'],
      ['start_mode', params.startMode, 'text'],
      ['anchor', timeText(params.anchor), 'timestamptz'],
    ]);
    return { subscription };
  }

  /** No more allocations; the current one lasts to its period's end. */
  async cancelPlan(ref: AccountRef): Promise<{ subscription: Subscription }> {
    const subscription = await this.callOne<Subscription>('credits_cancel_plan', [['account', accountOf(ref), 'text']]);
    return { subscription };
  }

  /** The account's subscription, or null. */
  async getSubscription(ref: AccountRef): Promise<Subscription | null> {
    const account = accountOf(ref);
    return this.run(async (s) => {
      const { id } = await s.callOne<{ id: string }>('credits_get_account', [['account', account, 'text']]);
      const rows = await s.rows<Subscription>('SELECT * FROM credits_subscriptions WHERE account_id = $1::text', [id]);
      return rows[0] ?? null;
    });
  }

  // -------------------------------------------------------------------------
  // Usage and prices

  /** Records usage without moving credits (paid some other way, e.g. by a confirm's transactionId). */
  async recordUsage(params: AccountRef & RecordUsageParams): Promise<UsageRecord> {
    return this.callOne('credits_record_usage', [
      ['account', accountOf(params), 'text'],
      ['model', params.model ?? params.modelId, 'text'],
      ['usage_type', params.usageType, 'text'],
      ['endpoint', params.endpoint, 'text'],
      ['context', params.context, 'text'],
      ...tokenArgs(params),
      ['success', params.success, 'boolean'],
      ['cost', amountText(params.cost, 'cost'), 'numeric'],
      ['transaction', params.transactionId, 'text'],
      ['reservation', params.reservationId, 'text'],
      ['description', params.description, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
      ['occurred_at', timeText(params.occurredAt), 'timestamptz'],
      ['idempotency_key', params.idempotencyKey, 'text'],
    ]);
  }

  /** Prices usage by the rate card, debits it and records it, in one call. */
  async charge(params: AccountRef & ChargeParams): Promise<UsageRecord> {
    return this.callOne('credits_charge', [
      ['account', accountOf(params), 'text'],
      ['model', params.model ?? params.modelId, 'text'],
      ['usage_type', params.usageType, 'text'],
      ...tokenArgs(params),
      ['idempotency_key', params.idempotencyKey, 'text'],
      ['reservation', params.reservationId, 'text'],
      ['endpoint', params.endpoint, 'text'],
      ['context', params.context, 'text'],
      ['success', params.success, 'boolean'],
      ['description', params.description, 'text'],
      ['reference', params.reference, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
      ['occurred_at', timeText(params.occurredAt), 'timestamptz'],
      ['on_excess', params.onExcess, 'text'],
    ]);
  }

  /** What usage would cost and what a charge would debit (to size a reservation). */
  async quote(params: AccountRef & QuoteParams): Promise<Quote> {
    return this.callOne('credits_quote', [
      ['account', accountOf(params), 'text'],
      ['model', params.model ?? params.modelId, 'text'],
      ['usage_type', params.usageType, 'text'],
      ...tokenArgs(params),
      ['at', timeText(params.at), 'timestamptz'],
    ]);
  }

  /** Adds a version of a model's price (per perTokens tokens, per request, per unit). */
  async setPrice(params: SetPriceParams): Promise<PriceVersion> {
    return this.callOne('credits_set_price', [
      ['model', params.model, 'text'],
      ['usage_type', params.usageType, 'text'],
      ['input_price', amountText(params.inputPrice, 'inputPrice'), 'numeric'],
      ['cached_input_price', amountText(params.cachedInputPrice, 'cachedInputPrice'), 'numeric'],
      ['cache_write_price', amountText(params.cacheWritePrice, 'cacheWritePrice'), 'numeric'],
      ['output_price', amountText(params.outputPrice, 'outputPrice'), 'numeric'],
      ['reasoning_price', amountText(params.reasoningPrice, 'reasoningPrice'), 'numeric'],
      ['request_price', amountText(params.requestPrice, 'requestPrice'), 'numeric'],
      ['unit_price', amountText(params.unitPrice, 'unitPrice'), 'numeric'],
      ['per_tokens', params.perTokens, 'int'],
      ['rounding', params.rounding, 'text'],
      ['effective_from', timeText(params.effectiveFrom), 'timestamptz'],
      ['description', params.description, 'text'],
      ['metadata', jsonText(params.metadata), 'jsonb'],
    ]);
  }

  /** The tenant's price versions. */
  async listPrices(params: { model?: string } = {}): Promise<{ prices: PriceVersion[] }> {
    const prices = await this.run((s) =>
      params.model === undefined
        ? s.rows<PriceVersion>('SELECT * FROM credits_prices ORDER BY model, usage_type, effective_from')
        : s.rows<PriceVersion>('SELECT * FROM credits_prices WHERE model = $1::text ORDER BY usage_type, effective_from', [params.model]),
    );
    return { prices };
  }

  /** Usage records, newest first, of one account or (with none given) of the whole tenant. */
  async getUsage(
    params: Partial<{ accountId: string; externalId: string; account: string }> & GetUsageParams = {},
  ): Promise<{ usage: UsageRecord[]; pagination: { limit: number; offset: number; hasMore: boolean } }> {
    const limit = pageLimit(params.limit);
    const offset = pageOffset(params.offset);
    // One row more than asked tells whether another page follows (page_size is at most 1000).
    const size = Math.min(limit + 1, 1000);
    const rows = await this.call<UsageRecord>('credits_list_usage', [
      ['account', optionalAccountOf(params), 'text'],
      ['context', params.context, 'text'],
      ['model', params.model, 'text'],
      ['since', timeText(params.since), 'timestamptz'],
      ['until', timeText(params.until), 'timestamptz'],
      ['page_size', size, 'int'],
      ['page_offset', offset, 'int'],
    ]);
    const hasMore = rows.length > limit || (size === limit && rows.length === limit);
    return { usage: rows.slice(0, limit), pagination: { limit, offset, hasMore } };
  }

  /**
   * Usage per period (and group) from the rollups: `getUsageSummary('customer')` for
   * the whole tenant's customer usage this month, or with options.
   */
  async getUsageSummary(contextOrParams: UsageSummaryParams['context'] | UsageSummaryParams = {}): Promise<{ summary: UsageSummaryRow[] }> {
    const params: UsageSummaryParams = typeof contextOrParams === 'string' ? { context: contextOrParams } : contextOrParams;
    const summary = await this.call<UsageSummaryRow>('credits_usage_summary', [
      ['account', optionalAccountOf(params), 'text'],
      ['period', params.period, 'text'],
      ['since', timeText(params.since), 'timestamptz'],
      ['until', timeText(params.until), 'timestamptz'],
      ['group_by', params.groupBy, 'text[]'],
      ['time_zone', params.timeZone, 'text'],
      ['context', params.context, 'text'],
      ['model', params.model, 'text'],
    ]);
    return { summary };
  }

  // -------------------------------------------------------------------------
  // Batches

  /**
   * Many operations in one call and one commit (credits_apply). atomic (default):
   * all or nothing, the first failure is thrown; atomic false: each result says
   * ok or its sqlstate and message.
   */
  async applyBatch(ops: readonly BatchOp[], options: { atomic?: boolean } = {}): Promise<{ results: BatchResult[] }> {
    const json = JSON.stringify(ops.map(batchOpJson));
    const results = await this.call<BatchResult>('credits_apply', [
      ['ops', json, 'jsonb'],
      ['atomic', options.atomic, 'boolean'],
    ]);
    return { results };
  }

  // -------------------------------------------------------------------------
  // Alerts and auto-reload

  /** Replaces the account's low-balance thresholds (events balance.low / depleted / recovered). */
  async setAlerts(params: AccountRef & SetAlertsParams): Promise<AlertSettings> {
    return this.callOne('credits_set_alerts', [
      ['account', accountOf(params), 'text'],
      ['thresholds', params.thresholds.map((t, i) => amountText(t, `thresholds[${i}]`)), 'numeric[]'],
      ['depleted', params.depleted, 'boolean'],
    ]);
  }

  /** Asks for a top-up (an auto_reload.requested event) when available falls below the threshold. */
  async setAutoReload(params: AccountRef & SetAutoReloadParams): Promise<AlertSettings> {
    return this.callOne('credits_set_auto_reload', [
      ['account', accountOf(params), 'text'],
      ['enabled', params.enabled, 'boolean'],
      ['threshold', amountText(params.threshold, 'threshold'), 'numeric'],
      ['amount', amountText(params.amount, 'amount'), 'numeric'],
      ['target_balance', amountText(params.targetBalance, 'targetBalance'), 'numeric'],
      ['max_per_day', params.maxPerDay, 'int'],
      ['max_per_month', params.maxPerMonth, 'int'],
      ['cooldown', durationText(params.cooldown), 'interval'],
      ['category', params.category, 'text'],
      ['expires_in', durationText(params.expiresIn), 'interval'],
      ['max_failures', params.maxFailures, 'int'],
    ]);
  }

  /** Reports a reload's payment: success credits the account once; failure counts towards disabling. */
  async completeReload(params: CompleteReloadParams): Promise<ReloadResult> {
    return this.callOne('credits_complete_reload', [
      ['request', params.requestId, 'text'],
      ['succeeded', params.succeeded, 'boolean'],
      ['payment_reference', params.paymentReference, 'text'],
      ['failure_reason', params.failureReason, 'text'],
    ]);
  }

  /** The account's alert and auto-reload settings and state, or null when it has none. */
  async getAlerts(ref: AccountRef): Promise<AlertSettings | null> {
    const account = accountOf(ref);
    return this.run(async (s) => {
      const { id } = await s.callOne<{ id: string }>('credits_get_account', [['account', account, 'text']]);
      const rows = await s.rows<AlertSettings>('SELECT * FROM credits_alerts WHERE account_id = $1::text', [id]);
      return rows[0] ?? null;
    });
  }

  /** Auto-reload requests, newest first, of one account or of the tenant. */
  async listReloadRequests(
    params: Partial<{ accountId: string; externalId: string; account: string }> & { status?: ReloadRequest['status']; limit?: number } = {},
  ): Promise<{ requests: ReloadRequest[] }> {
    const account = optionalAccountOf(params);
    const limit = pageLimit(params.limit, 100);
    const requests = await this.run(async (s) => {
      const where: string[] = [];
      const values: unknown[] = [];
      if (account !== undefined) {
        const { id } = await s.callOne<{ id: string }>('credits_get_account', [['account', account, 'text']]);
        values.push(id);
        where.push(`account_id = $${values.length}::text`);
      }
      if (params.status !== undefined) {
        values.push(params.status);
        where.push(`status = $${values.length}::text`);
      }
      values.push(limit);
      return s.rows<ReloadRequest>(
        `SELECT * FROM credits_reload_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY requested_at DESC, id DESC LIMIT $${values.length}::int`,
        values,
      );
    });
    return { requests };
  }

  // -------------------------------------------------------------------------
  // The event feed

  /** A named consumer of the tenant's events (the same name and types again return it). */
  async createConsumer(params: CreateConsumerParams): Promise<EventConsumer> {
    return this.callOne('credits_create_consumer', [
      ['name', params.name, 'text'],
      ['types', params.types, 'text[]'],
      ['start_at', params.startAt, 'text'],
    ]);
  }

  /** The next events (oldest first, commit order) the consumer has not acknowledged; moves nothing. */
  async claimEvents(consumer: string, max?: number): Promise<{ events: CreditsEvent[] }> {
    const events = await this.call<CreditsEvent>('credits_claim_events', [
      ['consumer', consumer, 'text'],
      ['max', max, 'int'],
    ]);
    return { events };
  }

  /** Every event up to and including `through` is done. */
  async ackEvents(consumer: string, through: string): Promise<EventConsumer> {
    return this.callOne('credits_ack_events', [
      ['consumer', consumer, 'text'],
      ['through', through, 'text'],
    ]);
  }

  /** false when there was no such consumer. */
  async dropConsumer(name: string): Promise<boolean> {
    const row = await this.callOne<{ creditsDropConsumer: boolean }>('credits_drop_consumer', [['name', name, 'text']]);
    return row.creditsDropConsumer;
  }

  // -------------------------------------------------------------------------
  // Operations

  /** Broken invariants (none: all is well), of one account or of the tenant. */
  async verify(params: Partial<{ accountId: string; externalId: string; account: string }> = {}): Promise<{ problems: VerifyProblem[] }> {
    const problems = await this.call<VerifyProblem>('credits_verify', [['account', optionalAccountOf(params), 'text']]);
    return { problems };
  }
}

function tokenArgs(p: {
  inputTokens?: number | bigint | string;
  cachedInputTokens?: number | bigint | string;
  cacheWriteTokens?: number | bigint | string;
  outputTokens?: number | bigint | string;
  reasoningTokens?: number | bigint | string;
  units?: AmountInput;
  requests?: number;
}): SqlArg[] {
  return [
    ['input_tokens', countText(p.inputTokens, 'inputTokens'), 'bigint'],
    ['cached_input_tokens', countText(p.cachedInputTokens, 'cachedInputTokens'), 'bigint'],
    ['cache_write_tokens', countText(p.cacheWriteTokens, 'cacheWriteTokens'), 'bigint'],
    ['output_tokens', countText(p.outputTokens, 'outputTokens'), 'bigint'],
    ['reasoning_tokens', countText(p.reasoningTokens, 'reasoningTokens'), 'bigint'],
    ['units', amountText(p.units, 'units'), 'numeric'],
    ['requests', countText(p.requests, 'requests'), 'int'],
  ];
}

const amountFields = new Set(['amount', 'units', 'cost']);
const countFields = new Set(['inputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'outputTokens', 'reasoningTokens', 'requests']);
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A batch operation as credits_apply reads it: snake_case fields, amounts as strings, counts as numbers. */
function batchOpJson(op: BatchOp, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(op)) {
    if (value === undefined) continue;
    let v: unknown = value;
    if (amountFields.has(key)) v = amountText(value as AmountInput, `ops[${index}].${key}`);
    else if (countFields.has(key)) v = countNumber(value as number, `ops[${index}].${key}`);
    else if (key === 'expiresIn' && typeof value === 'string') v = value;
    else if (value instanceof Date) v = value.toISOString();
    else if (typeof value === 'bigint') v = value.toString();
    out[snake(key)] = v;
  }
  return out;
}

export { CreditsError };
