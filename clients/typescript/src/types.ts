/**
 * Result rows, one interface per credits result type, with camelCase names.
 *
 * - `Amount`: an exact decimal string ('0.30'), never a JS number.
 * - `BigIntString`: a PostgreSQL bigint (token counts, totals, positions) as a string.
 * - Timestamps are Dates; JSON is parsed (`metadata` as stored; amounts inside
 *   credits' own JSON, such as `grants`, are exact strings).
 */
import type { AmountInput, DurationInput, TimeInput } from './values';

/** An exact decimal amount as text: '1000', '0.30'. */
export type Amount = string;
/** A PostgreSQL bigint as text. */
export type BigIntString = string;
/** A JSON object of your own. */
export type Metadata = Record<string, unknown>;

export type AccountStatus = 'active' | 'frozen' | 'closed';
export type EntryType = 'credit' | 'debit' | 'adjustment' | 'reversal' | 'transfer' | 'expiry' | 'allocation';
export type UsageContext = 'customer' | 'developer';
export type OnExcess = 'reject' | 'cap' | 'allow';

/** An account: `credits_accounts` (credits_create_account, credits_get_account, lifecycle functions). */
export interface Account {
  id: string;
  externalId: string;
  ownerId: string | null;
  name: string | null;
  email: string | null;
  unit: string;
  scale: number;
  balance: Amount;
  reserved: Amount;
  available: Amount;
  overdraftLimit: Amount;
  status: AccountStatus;
  metadata: Metadata | null;
  createdAt: Date;
  updatedAt: Date;
  /** An ISO 8601 duration ('P30D') from credits 0.9.0; PostgreSQL's interval text before. */
  defaultGrantTtl: string | null;
  minCreditAmount: Amount | null;
  notifyEmails: string[] | null;
  autoReloadEnabled: boolean;
  autoReloadThreshold: Amount | null;
  autoReloadAmount: Amount | null;
  autoReloadTargetBalance: Amount | null;
}

/** credits_balance. */
export interface BalanceResponse {
  accountId: string;
  externalId: string;
  balance: Amount;
  reserved: Amount;
  available: Amount;
  unit: string;
  updatedAt: Date;
  autoReloadEnabled: boolean;
  autoReloadThreshold: Amount | null;
  autoReloadAmount: Amount | null;
}

/** A movement: `credits_transaction` (credit, debit, adjust). `balance`/`available`: right after it. */
export interface Transaction {
  transactionId: string;
  accountId: string;
  externalId: string;
  type: EntryType;
  /** Positive; `type` gives the direction (an adjustment's is signed). */
  amount: Amount;
  balance: Amount;
  available: Amount;
  description: string | null;
  reference: string | null;
  idempotencyKey: string | null;
  metadata: Metadata | null;
  createdAt: Date;
}

/** credits_confirm. */
export interface Confirmation extends Transaction {
  reservationId: string;
  released: Amount;
}

/** credits_reverse. */
export interface Reversal extends Transaction {
  /** The transaction this one reverses. */
  reverses: string;
}

/** credits_transfer. */
export interface TransferResult {
  transactionId: string;
  fromAccountId: string;
  fromExternalId: string;
  toAccountId: string;
  toExternalId: string;
  amount: Amount;
  fromBalance: Amount;
  fromAvailable: Amount;
  toBalance: Amount;
  toAvailable: Amount;
  description: string | null;
  reference: string | null;
  idempotencyKey: string | null;
  metadata: Metadata | null;
  createdAt: Date;
}

export type ReservationStatus = 'pending' | 'confirmed' | 'cancelled' | 'expired';

/** credits_reserve, credits_cancel, credits_extend_reservation: the hold and the account right after. */
export interface Reservation {
  id: string;
  accountId: string;
  externalId: string;
  amount: Amount;
  status: ReservationStatus;
  expiresAt: Date;
  description: string | null;
  reference: string | null;
  metadata: Metadata | null;
  createdAt: Date;
  balance: Amount;
  reserved: Amount;
  available: Amount;
}

/** A row of the `credits_reservations` view. */
export interface ReservationDetails {
  id: string;
  accountId: string;
  externalId: string;
  amount: Amount;
  status: ReservationStatus;
  expiresAt: Date;
  description: string | null;
  reference: string | null;
  metadata: Metadata | null;
  createdAt: Date;
  resolvedAt: Date | null;
  requestedAmount: Amount;
  confirmedAmount: Amount | null;
  releasedAmount: Amount | null;
  transactionId: string | null;
  idempotencyKey: string | null;
  /** What the hold sets aside per grant: `{ "grt_…": "30", "ungranted": "20" }`. */
  grants: Record<string, Amount> | null;
}

/** A ledger entry: `credits_entries`. */
export interface LedgerEntry {
  /** The entry's number within its account (1, 2, 3, ...). */
  id: BigIntString;
  transactionId: string;
  accountId: string;
  externalId: string;
  type: EntryType;
  /** Signed: what the balance gained. */
  amount: Amount;
  balanceAfter: Amount;
  description: string | null;
  reference: string | null;
  idempotencyKey: string | null;
  metadata: Metadata | null;
  createdAt: Date;
  availableAfter: Amount | null;
  reservationId: string | null;
  counterpartyId: string | null;
  reverses: string | null;
  reversedAmount: Amount | null;
  /** Which grants it took from or gave to: `{ "grt_…": "-30", "ungranted": "-20" }`. */
  grants: Record<string, Amount> | null;
}

/** listTransactions / listAccounts pages. */
export interface Pagination {
  limit: number;
  offset: number;
  /** Every matching row, not just this page's. */
  total: number;
  /** Whether rows follow this page. */
  hasMore: boolean;
  /** Pass as `cursor` for the next page (a keyset: stable while new rows arrive); null after the last. */
  nextCursor: string | null;
}

export interface PaginatedResult<T> {
  items: T[];
  pagination: Pagination;
}

export type GrantStatus = 'active' | 'depleted' | 'expired';

/** `credits_grants`. */
export interface Grant {
  id: string;
  accountId: string;
  externalId: string;
  amount: Amount;
  remaining: Amount;
  held: Amount;
  expiresAt: Date | null;
  priority: number;
  category: string | null;
  status: GrantStatus;
  transactionId: string | null;
  periodStart: Date | null;
  createdAt: Date;
  endedAt: Date | null;
}

export type PlanPeriod = 'day' | 'week' | 'month' | 'year';

/** `credits_plans`. */
export interface Plan {
  id: string;
  code: string;
  name: string | null;
  allowance: Amount;
  period: PlanPeriod;
  /** 'none', 'all', or the most that may roll over. */
  rollover: string;
  metadata: Metadata | null;
  createdAt: Date;
}

/** `credits_subscriptions`. */
export interface Subscription {
  accountId: string;
  externalId: string;
  planId: string;
  planCode: string;
  status: 'active' | 'cancelled' | string;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  nextPlanId: string | null;
  anchor: Date | null;
  createdAt: Date;
  cancelledAt: Date | null;
}

/** `credits_status_history`. */
export interface StatusChange {
  id: BigIntString;
  accountId: string;
  externalId: string;
  fromStatus: AccountStatus;
  toStatus: AccountStatus;
  reason: string | null;
  changedAt: Date;
}

/** `credits_usage_result` (credits_record_usage, credits_charge, credits_list_usage). */
export interface UsageRecord {
  id: string;
  accountId: string;
  externalId: string;
  model: string | null;
  usageType: string;
  endpoint: string | null;
  context: UsageContext;
  inputTokens: BigIntString;
  cachedInputTokens: BigIntString;
  cacheWriteTokens: BigIntString;
  outputTokens: BigIntString;
  reasoningTokens: BigIntString;
  units: Amount;
  requests: number;
  success: boolean;
  /** Exact cost; null when recorded without one. */
  cost: Amount | null;
  /** What a charge debited (rounded to the account's scale); null for recorded usage. */
  charged: Amount | null;
  unit: string;
  priceId: string | null;
  transactionId: string | null;
  reservationId: string | null;
  description: string | null;
  metadata: Metadata | null;
  idempotencyKey: string | null;
  occurredAt: Date;
  createdAt: Date;
  /** The account's, right after the call (null in listings). */
  balance: Amount | null;
  available: Amount | null;
  /** true: an earlier call's record, returned for its idempotency key (null in listings). */
  replayed: boolean | null;
}

/** credits_quote. */
export interface Quote {
  cost: Amount;
  /** What a charge would debit. */
  amount: Amount;
  unit: string;
  scale: number;
  rounding: 'up' | 'half_up' | 'down';
  priceId: string;
  effectiveFrom: Date;
}

/** `credits_price_version` / `credits_prices`. */
export interface PriceVersion {
  id: string;
  model: string;
  usageType: string;
  perTokens: number;
  inputPrice: Amount;
  cachedInputPrice: Amount;
  cacheWritePrice: Amount;
  outputPrice: Amount;
  reasoningPrice: Amount;
  requestPrice: Amount;
  unitPrice: Amount;
  rounding: 'up' | 'half_up' | 'down';
  effectiveFrom: Date;
  effectiveUntil: Date | null;
  description: string | null;
  metadata: Metadata | null;
  createdAt: Date;
}

/** A row of credits_usage_summary. */
export interface UsageSummaryRow {
  periodStart: Date;
  periodEnd: Date;
  model: string | null;
  usageType: string | null;
  endpoint: string | null;
  context: UsageContext | null;
  totalRequests: BigIntString;
  successfulRequests: BigIntString;
  failedRequests: BigIntString;
  inputTokens: BigIntString;
  cachedInputTokens: BigIntString;
  cacheWriteTokens: BigIntString;
  outputTokens: BigIntString;
  reasoningTokens: BigIntString;
  units: Amount;
  creditsConsumed: Amount;
  creditsCharged: Amount;
  records: BigIntString;
  /** Requests per endpoint ('' for usage without one). */
  requestsByEndpoint: Record<string, BigIntString>;
}

/** credits_account_summary. */
export interface AccountSummary {
  accountId: string;
  externalId: string;
  name: string | null;
  status: AccountStatus;
  unit: string;
  scale: number;
  balance: Amount;
  reserved: Amount;
  available: Amount;
  planId: string | null;
  planCode: string | null;
  planName: string | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  /** This month's summary row (camelCase keys; numbers as exact strings, times as ISO strings). */
  usageThisMonth: Record<string, unknown>;
  totalRequests: BigIntString;
  successfulRequests: BigIntString;
  failedRequests: BigIntString;
  creditsConsumed: Amount;
  createdAt: Date;
  lastActivityAt: Date;
}

/** A row of credits_apply: one per operation. */
export interface BatchResult {
  /** The operation's position in `ops`, from 0. */
  index: number;
  ok: boolean;
  sqlstate: string | null;
  message: string | null;
  transactionId: string | null;
  reservationId: string | null;
  balance: Amount | null;
  available: Amount | null;
  usageId: string | null;
}

/** `credits_alerts`: an account's alert and auto-reload settings and state. */
export interface AlertSettings {
  accountId: string;
  externalId: string;
  unit: string;
  thresholds: Amount[];
  thresholdsInAlarm: Amount[];
  depletedAlert: boolean;
  depleted: boolean;
  notifyEmails: string[] | null;
  autoReloadEnabled: boolean;
  autoReloadThreshold: Amount | null;
  autoReloadAmount: Amount | null;
  autoReloadTargetBalance: Amount | null;
  autoReloadMaxPerDay: number | null;
  autoReloadMaxPerMonth: number | null;
  autoReloadCooldownSeconds: number | null;
  autoReloadCategory: string | null;
  autoReloadExpiresInSeconds: BigIntString | null;
  autoReloadMaxFailures: number | null;
  autoReloadFailures: number | null;
  autoReloadDisabledReason: string | null;
  autoReloadPendingRequest: string | null;
  autoReloadLastRequestedAt: Date | null;
  updatedAt: Date;
}

export type ReloadStatus = 'pending' | 'succeeded' | 'failed';

/** `credits_reload_requests`. */
export interface ReloadRequest {
  id: string;
  accountId: string;
  externalId: string;
  amount: Amount;
  unit: string;
  status: ReloadStatus;
  requestedAt: Date;
  completedAt: Date | null;
  paymentReference: string | null;
  failureReason: string | null;
  transactionId: string | null;
}

/** credits_complete_reload. */
export interface ReloadResult extends ReloadRequest {
  replayed: boolean;
}

export type EventType =
  | 'balance.low'
  | 'balance.depleted'
  | 'balance.recovered'
  | 'auto_reload.requested'
  | 'auto_reload.succeeded'
  | 'auto_reload.failed'
  | 'auto_reload.disabled'
  | 'reservation.expired'
  | 'grant.expired'
  | 'plan.renewed'
  | 'account.status_changed';

/** `credits_events`: one event of the feed (amounts in `data` are strings). */
export interface CreditsEvent {
  id: string;
  type: EventType;
  accountId: string | null;
  externalId: string | null;
  tenant: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** Its place in commit order. */
  position: BigIntString;
  ordinal: number;
  committedAt: Date;
}

/** `credits_event_consumers`. */
export interface EventConsumer {
  name: string;
  types: EventType[] | null;
  ackedEvent: string | null;
  ackedPosition: BigIntString | null;
  ackedOrdinal: number | null;
  ackedAt: Date | null;
  createdAt: Date;
}

/** credits_verify: one broken invariant. */
export interface VerifyProblem {
  tenant: string;
  accountId: string | null;
  externalId: string | null;
  invariant: string;
  expected: Amount | null;
  actual: Amount | null;
  detail: string | null;
}

// ---------------------------------------------------------------------------
// Parameters

/** Which account: its id (`acc_…`), your external id, or either as `account`. */
export type AccountRef =
  | { accountId: string; externalId?: never; account?: never }
  | { externalId: string; accountId?: never; account?: never }
  | { account: string; accountId?: never; externalId?: never };

export interface CreateAccountParams {
  externalId: string;
  name?: string | null;
  email?: string | null;
  metadata?: Metadata | null;
  /** 'credits' by default. */
  unit?: string;
  /** Decimal places the account accepts, 0 (default) to 18. */
  scale?: number;
  overdraftLimit?: AmountInput;
  initialBalance?: AmountInput;
  ownerId?: string | null;
  /** Every later credit becomes a grant that expires after this ('30 days', 'P30D', or seconds). */
  defaultGrantTtl?: DurationInput | null;
  minCreditAmount?: AmountInput | null;
  notifyEmails?: string[] | null;
  /** A retry with the same key and parameters returns the existing account (credits 0.9.0). */
  idempotencyKey?: string;
}

export interface UpdateAccountFields {
  name?: string;
  email?: string;
  /** Replaces the whole object. */
  metadata?: Metadata;
  overdraftLimit?: AmountInput;
  status?: AccountStatus;
  /** '0' clears it. */
  defaultGrantTtl?: DurationInput;
  /** 0 clears it. */
  minCreditAmount?: AmountInput;
  /** [] clears them. */
  notifyEmails?: string[];
}

export interface ListAccountsParams {
  ownerId?: string;
  status?: AccountStatus;
  /** Accounts whose metadata contains this object (jsonb @>). */
  metadata?: Metadata;
  /** 1 to 1000; 50 by default. */
  limit?: number;
  offset?: number;
  /** A `nextCursor` from an earlier page. */
  cursor?: string;
}

export interface MovementParams {
  amount: AmountInput;
  description?: string;
  /** Your own id for reconciliation (order, request, invoice). */
  reference?: string;
  /** A retry with the same key returns the first result and writes nothing. */
  idempotencyKey?: string;
  metadata?: Metadata;
}

export interface GrantParams {
  /** Makes the credit a grant that expires then (wins over expiresIn). */
  expiresAt?: TimeInput;
  /** '30 days', 'P30D', or a number of seconds. */
  expiresIn?: DurationInput;
  /** Burn-down order: lowest first. */
  priority?: number;
  /** 'paid', 'promotional', 'goodwill', ... */
  category?: string;
}

export interface AddCreditsParams extends MovementParams, GrantParams {
  /** Kept in the entry's metadata as `paymentMethod` (credits has no column for it). */
  paymentMethod?: string;
}

export type DeductCreditsParams = MovementParams;

export type CreateTransactionParams =
  | ({ type: 'credit' } & AddCreditsParams)
  | ({ type: 'debit' } & MovementParams);

export interface ListTransactionsParams {
  /** 1 to 1000; 50 by default. */
  limit?: number;
  offset?: number;
  /** A `nextCursor` from an earlier page: the entries older than it. */
  cursor?: string;
  type?: EntryType;
  /** Inclusive. */
  since?: TimeInput;
  /** Exclusive. */
  until?: TimeInput;
}

export interface CreateReservationParams {
  amount: AmountInput;
  /** '15 minutes' by default. */
  expiresIn?: DurationInput;
  expiresAt?: TimeInput;
  description?: string;
  reference?: string;
  idempotencyKey?: string;
  metadata?: Metadata;
}

export interface ConfirmReservationOptions {
  description?: string;
  metadata?: Metadata;
  /** What to do when the amount exceeds the hold: 'reject' (default, CR001), 'cap' or 'allow'. */
  onExcess?: OnExcess;
}

export interface TransferParams {
  from: string;
  to: string;
  amount: AmountInput;
  description?: string;
  reference?: string;
  idempotencyKey?: string;
  metadata?: Metadata;
}

export interface ReverseParams {
  /** The transaction (or a confirmed reservation) to reverse. */
  transactionId: string;
  /** Part of it; whatever is left when omitted. */
  amount?: AmountInput;
  reason?: string;
  idempotencyKey?: string;
  /** Take back spent credits anyway, overdrawing. */
  force?: boolean;
}

export interface AdjustParams {
  /** Signed, never zero. */
  amount: AmountInput;
  reason?: string;
  idempotencyKey?: string;
}

export interface CreatePlanParams {
  code: string;
  name?: string;
  allowance: AmountInput;
  period: PlanPeriod;
  /** 'none' (default), 'all', or the most that may roll over. */
  rollover?: 'none' | 'all' | AmountInput;
  metadata?: Metadata;
}

export type AssignPlanParams = ({ planId: string; planCode?: never } | { planCode: string; planId?: never }) & {
  /** 'immediate' (default) or 'next_period'. */
  startMode?: 'immediate' | 'next_period';
  anchor?: TimeInput;
};

export interface TokenCounts {
  /** Input not read from a cache (excludes cached tokens). */
  inputTokens?: number | bigint | string;
  cachedInputTokens?: number | bigint | string;
  cacheWriteTokens?: number | bigint | string;
  outputTokens?: number | bigint | string;
  reasoningTokens?: number | bigint | string;
  /** What a per-unit price prices: images, seconds, characters. */
  units?: AmountInput;
  /** 1 by default. */
  requests?: number;
}

export interface RecordUsageParams extends TokenCounts {
  /** The model (the hosted SDK's `modelId`). */
  model?: string | null;
  modelId?: string | null;
  usageType?: string;
  endpoint?: string;
  context?: UsageContext;
  success?: boolean;
  /** What it cost, when you know (exact). */
  cost?: AmountInput;
  /** The transaction that paid for it (a confirm's transactionId). */
  transactionId?: string;
  reservationId?: string;
  description?: string;
  metadata?: Metadata;
  occurredAt?: TimeInput;
  idempotencyKey?: string;
}

export interface ChargeParams extends TokenCounts {
  model?: string;
  modelId?: string;
  usageType?: string;
  idempotencyKey?: string;
  /** Settle this hold with the charge. */
  reservationId?: string;
  endpoint?: string;
  context?: UsageContext;
  success?: boolean;
  description?: string;
  reference?: string;
  metadata?: Metadata;
  occurredAt?: TimeInput;
  onExcess?: OnExcess;
}

export interface QuoteParams extends TokenCounts {
  model?: string;
  modelId?: string;
  usageType?: string;
  /** Price in force at this time (now by default). */
  at?: TimeInput;
}

export interface SetPriceParams {
  model: string;
  usageType?: string;
  inputPrice?: AmountInput;
  cachedInputPrice?: AmountInput;
  cacheWritePrice?: AmountInput;
  outputPrice?: AmountInput;
  reasoningPrice?: AmountInput;
  requestPrice?: AmountInput;
  unitPrice?: AmountInput;
  /** 1, 1000 or 1000000 (default). */
  perTokens?: 1 | 1000 | 1000000;
  rounding?: 'up' | 'half_up' | 'down';
  effectiveFrom?: TimeInput;
  description?: string;
  metadata?: Metadata;
}

export interface GetUsageParams {
  context?: UsageContext;
  model?: string;
  since?: TimeInput;
  until?: TimeInput;
  limit?: number;
  offset?: number;
}

export interface UsageSummaryParams {
  /** One account's; the whole tenant's when none is given. */
  accountId?: string;
  externalId?: string;
  account?: string;
  period?: 'hour' | 'day' | 'week' | 'month' | 'year';
  since?: TimeInput;
  until?: TimeInput;
  groupBy?: Array<'model' | 'usage_type' | 'endpoint' | 'context'>;
  timeZone?: string;
  context?: UsageContext;
  model?: string;
}

export interface SetAlertsParams {
  /** Up to 20 distinct thresholds of `available`. */
  thresholds: AmountInput[];
  /** Emit balance.depleted at zero available (default true). */
  depleted?: boolean;
}

export interface SetAutoReloadParams {
  enabled?: boolean;
  threshold?: AmountInput;
  /** Exactly one of amount and targetBalance. */
  amount?: AmountInput;
  targetBalance?: AmountInput;
  maxPerDay?: number | null;
  maxPerMonth?: number | null;
  /** '30 seconds' by default; null: none. */
  cooldown?: DurationInput | null;
  category?: string;
  expiresIn?: DurationInput;
  maxFailures?: number;
}

export interface CompleteReloadParams {
  requestId: string;
  succeeded: boolean;
  paymentReference?: string;
  failureReason?: string;
}

export interface CreateConsumerParams {
  name: string;
  /** The event types it takes; all when omitted. */
  types?: EventType[];
  startAt?: 'beginning' | 'now';
}

type Tokens = { inputTokens?: number; cachedInputTokens?: number; cacheWriteTokens?: number; outputTokens?: number; reasoningTokens?: number };

/** One operation of a batch (credits_apply), with camelCase field names. */
export type BatchOp =
  | ({ op: 'credit'; account: string; amount: AmountInput; description?: string; reference?: string; idempotencyKey?: string; metadata?: Metadata } & GrantParams)
  | { op: 'debit'; account: string; amount: AmountInput; description?: string; reference?: string; idempotencyKey?: string; metadata?: Metadata }
  | { op: 'adjust'; account: string; amount: AmountInput; reason?: string; idempotencyKey?: string }
  | { op: 'reserve'; account: string; amount: AmountInput; expiresIn?: DurationInput; expiresAt?: TimeInput; description?: string; reference?: string; idempotencyKey?: string; metadata?: Metadata }
  | { op: 'confirm'; reservation: string; amount?: AmountInput; description?: string; metadata?: Metadata; onExcess?: OnExcess }
  | { op: 'cancel'; reservation: string }
  | { op: 'reverse'; transaction: string; amount?: AmountInput; reason?: string; idempotencyKey?: string; force?: boolean }
  | { op: 'transfer'; fromAccount: string; toAccount: string; amount: AmountInput; description?: string; reference?: string; idempotencyKey?: string; metadata?: Metadata }
  | ({ op: 'charge'; account: string; model: string; usageType?: string; endpoint?: string; context?: UsageContext; units?: AmountInput; requests?: number; success?: boolean; reservation?: string; description?: string; reference?: string; metadata?: Metadata; occurredAt?: TimeInput; idempotencyKey?: string; onExcess?: OnExcess } & Tokens)
  | ({ op: 'record_usage'; account: string; model?: string; usageType?: string; endpoint?: string; context?: UsageContext; units?: AmountInput; requests?: number; success?: boolean; cost?: AmountInput; transaction?: string; reservation?: string; description?: string; metadata?: Metadata; occurredAt?: TimeInput; idempotencyKey?: string } & Tokens);
