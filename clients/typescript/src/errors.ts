/**
 * Errors thrown by CreditsClient: one class per SQLSTATE that credits documents
 * (README "Errors"), all extending CreditsError. A server error with any other
 * SQLSTATE becomes a plain CreditsError; errors without a SQLSTATE (a refused
 * connection, a client that was closed) are thrown unchanged.
 */

/** The fields of a server error (node-postgres' DatabaseError) that we keep. */
interface ServerErrorFields {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
  severity?: string;
}

export class CreditsError extends Error {
  /** The SQLSTATE, e.g. 'CR001'. */
  readonly sqlstate: string;
  /** The condition name, e.g. 'insufficient_credits' (the SQLSTATE when credits names none). */
  readonly code: string;
  /** The server's DETAIL: the numbers involved. */
  readonly detail: string | undefined;
  /** The server's HINT: what to do about it. */
  readonly hint: string | undefined;
  /** The server's CONTEXT (for a batch: which operation failed). */
  readonly where: string | undefined;
  readonly constraint: string | undefined;
  /** Whether the same call may succeed when simply retried (40001, 40P01, CR020). */
  readonly retryable: boolean;

  constructor(message: string, fields: ServerErrorFields = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    const sqlstate = fields.code ?? (new.target as unknown as { sqlstate?: string }).sqlstate ?? '';
    this.name = new.target.name;
    this.sqlstate = sqlstate;
    this.code = conditionNames[sqlstate] ?? sqlstate;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.where = fields.where;
    this.constraint = fields.constraint;
    this.retryable = sqlstate === '40001' || sqlstate === '40P01' || sqlstate === 'CR020';
  }
}

// credits' own conditions (class CR).
/** CR001: available would fall below -overdraft_limit; a confirm above the hold with on_excess 'reject'. */
export class InsufficientCreditsError extends CreditsError { static readonly sqlstate = 'CR001'; }
/** CR002: no account with that id or external_id in this tenant. */
export class AccountNotFoundError extends CreditsError { static readonly sqlstate = 'CR002'; }
/** CR003: an idempotency key reused with different parameters. */
export class IdempotencyConflictError extends CreditsError { static readonly sqlstate = 'CR003'; }
/** CR004: no reservation with that id in this tenant. */
export class ReservationNotFoundError extends CreditsError { static readonly sqlstate = 'CR004'; }
/** CR005: the hold was already confirmed, cancelled or expired. */
export class ReservationNotPendingError extends CreditsError { static readonly sqlstate = 'CR005'; }
/** CR006: confirm or extend after the hold's expires_at. */
export class ReservationExpiredError extends CreditsError { static readonly sqlstate = 'CR006'; }
/** CR007: the account is frozen or closed for this operation. */
export class AccountNotActiveError extends CreditsError { static readonly sqlstate = 'CR007'; }
/** CR008: an amount that is not valid for the account (sign, scale, range, minimum). */
export class InvalidAmountError extends CreditsError { static readonly sqlstate = 'CR008'; }
/** CR009: no transaction with that id in this tenant. */
export class TransactionNotFoundError extends CreditsError { static readonly sqlstate = 'CR009'; }
/** CR010: reversals would add up to more than the transaction. */
export class ReversalExceedsOriginalError extends CreditsError { static readonly sqlstate = 'CR010'; }
/** CR011: the external_id is already used in this tenant. */
export class DuplicateAccountError extends CreditsError { static readonly sqlstate = 'CR011'; }
/** CR012: a missing, malformed or out-of-range parameter. */
export class InvalidParameterError extends CreditsError { static readonly sqlstate = 'CR012'; }
/** CR013: closing an account whose balance or reserved is not zero. */
export class AccountNotEmptyError extends CreditsError { static readonly sqlstate = 'CR013'; }
/** CR014: a direct write to credits' tables. */
export class WriteRefusedError extends CreditsError { static readonly sqlstate = 'CR014'; }
/** CR015: a transfer between accounts of different units. */
export class UnitMismatchError extends CreditsError { static readonly sqlstate = 'CR015'; }
/** CR016: no plan with that id or code in this tenant. */
export class PlanNotFoundError extends CreditsError { static readonly sqlstate = 'CR016'; }
/** CR017: the plan code is already used in this tenant. */
export class DuplicatePlanError extends CreditsError { static readonly sqlstate = 'CR017'; }
/** CR018: the account has no active plan. */
export class SubscriptionNotFoundError extends CreditsError { static readonly sqlstate = 'CR018'; }
/** CR019: DDL or a write that only the executor could honour on credits' tables. */
export class UnsupportedTableChangeError extends CreditsError { static readonly sqlstate = 'CR019'; }
/** CR020: on Citus, the account's shard is not on the node the call reached; retry. */
export class ShardNotLocalError extends CreditsError { static readonly sqlstate = 'CR020'; }
/** CR021: no price version of the (model, usage type) in force at that time. */
export class PriceNotFoundError extends CreditsError { static readonly sqlstate = 'CR021'; }
/** CR022: that price version already exists with other values. */
export class PriceConflictError extends CreditsError { static readonly sqlstate = 'CR022'; }
/** CR023: usage occurred more than 35 days ago or more than 5 minutes ahead. */
export class UsageTimeOutOfRangeError extends CreditsError { static readonly sqlstate = 'CR023'; }
/** CR024: no auto-reload request with that id in this tenant. */
export class ReloadRequestNotFoundError extends CreditsError { static readonly sqlstate = 'CR024'; }
/** CR025: the request was completed with the other outcome or another payment reference. */
export class ReloadRequestCompletedError extends CreditsError { static readonly sqlstate = 'CR025'; }
/** CR026: the tenant has no event consumer of that name. */
export class ConsumerNotFoundError extends CreditsError { static readonly sqlstate = 'CR026'; }
/** CR027: no committed event with that id in this tenant. */
export class EventNotFoundError extends CreditsError { static readonly sqlstate = 'CR027'; }
/** CR028: the consumer name is already used for other event types. */
export class DuplicateConsumerError extends CreditsError { static readonly sqlstate = 'CR028'; }

// PostgreSQL's conditions that credits documents, and a few a client meets.
/** 0A000: on Citus, a batch transfer between shards, and the like. */
export class FeatureNotSupportedError extends CreditsError { static readonly sqlstate = '0A000'; }
/** 22003: a balance would leave ±10^18. */
export class NumericValueOutOfRangeError extends CreditsError { static readonly sqlstate = '22003'; }
/** 23502: a NOT NULL constraint a DBA added to credits' tables. */
export class NotNullViolationError extends CreditsError { static readonly sqlstate = '23502'; }
/** 23514: a CHECK constraint a DBA added to credits' tables. */
export class CheckViolationError extends CreditsError { static readonly sqlstate = '23514'; }
/** 25006: a function that writes, in a read-only transaction or on a hot standby. */
export class ReadOnlyError extends CreditsError { static readonly sqlstate = '25006'; }
/** 25P02: the surrounding transaction already failed; roll it back. */
export class InFailedTransactionError extends CreditsError { static readonly sqlstate = '25P02'; }
/** 39P01: one of credits' trigger functions called directly. */
export class TriggerProtocolViolatedError extends CreditsError { static readonly sqlstate = '39P01'; }
/** 40001: a REPEATABLE READ / SERIALIZABLE transaction raced another writer; retry it. */
export class SerializationError extends CreditsError { static readonly sqlstate = '40001'; }
/** 40P01: deadlock detected; retry. */
export class DeadlockError extends CreditsError { static readonly sqlstate = '40P01'; }
/** 42501: the role lacks the access set, or is bound to another tenant. */
export class InsufficientPrivilegeError extends CreditsError { static readonly sqlstate = '42501'; }
/** 42883: no such function: the credits version installed lacks this call or parameter. */
export class UndefinedFunctionError extends CreditsError { static readonly sqlstate = '42883'; }
/** 42P10: an update a publication's replica identity forbids. */
export class InvalidColumnReferenceError extends CreditsError { static readonly sqlstate = '42P10'; }
/** 55000: object not in prerequisite state (Citus setup, replica identity). */
export class ObjectNotInPrerequisiteStateError extends CreditsError { static readonly sqlstate = '55000'; }
/** 57014: statement_timeout, lock_timeout or a cancel request. */
export class QueryCanceledError extends CreditsError { static readonly sqlstate = '57014'; }

type ErrorClass = { new (message: string, fields?: ServerErrorFields, cause?: unknown): CreditsError; sqlstate: string };

const errorClasses: ErrorClass[] = [
  InsufficientCreditsError, AccountNotFoundError, IdempotencyConflictError, ReservationNotFoundError,
  ReservationNotPendingError, ReservationExpiredError, AccountNotActiveError, InvalidAmountError,
  TransactionNotFoundError, ReversalExceedsOriginalError, DuplicateAccountError, InvalidParameterError,
  AccountNotEmptyError, WriteRefusedError, UnitMismatchError, PlanNotFoundError, DuplicatePlanError,
  SubscriptionNotFoundError, UnsupportedTableChangeError, ShardNotLocalError, PriceNotFoundError,
  PriceConflictError, UsageTimeOutOfRangeError, ReloadRequestNotFoundError, ReloadRequestCompletedError,
  ConsumerNotFoundError, EventNotFoundError, DuplicateConsumerError,
  FeatureNotSupportedError, NumericValueOutOfRangeError, NotNullViolationError, CheckViolationError,
  ReadOnlyError, InFailedTransactionError, TriggerProtocolViolatedError, SerializationError, DeadlockError,
  InsufficientPrivilegeError, UndefinedFunctionError, InvalidColumnReferenceError,
  ObjectNotInPrerequisiteStateError, QueryCanceledError,
];

const conditionNames: Record<string, string> = {
  CR001: 'insufficient_credits', CR002: 'account_not_found', CR003: 'idempotency_conflict',
  CR004: 'reservation_not_found', CR005: 'reservation_not_pending', CR006: 'reservation_expired',
  CR007: 'account_not_active', CR008: 'invalid_amount', CR009: 'transaction_not_found',
  CR010: 'reversal_exceeds_original', CR011: 'duplicate_account', CR012: 'invalid_parameter',
  CR013: 'account_not_empty', CR014: 'write_refused', CR015: 'unit_mismatch', CR016: 'plan_not_found',
  CR017: 'duplicate_plan', CR018: 'subscription_not_found', CR019: 'unsupported_table_change',
  CR020: 'shard_not_local', CR021: 'price_not_found', CR022: 'price_conflict',
  CR023: 'usage_time_out_of_range', CR024: 'reload_request_not_found', CR025: 'reload_request_completed',
  CR026: 'consumer_not_found', CR027: 'event_not_found', CR028: 'duplicate_consumer',
  '0A000': 'feature_not_supported', '22003': 'numeric_value_out_of_range', '23502': 'not_null_violation',
  '23514': 'check_violation', '25006': 'read_only_sql_transaction', '25P02': 'in_failed_sql_transaction',
  '39P01': 'trigger_protocol_violated', '40001': 'serialization_failure', '40P01': 'deadlock_detected',
  '42501': 'insufficient_privilege', '42883': 'undefined_function', '42P10': 'invalid_column_reference',
  '55000': 'object_not_in_prerequisite_state', '57014': 'query_canceled',
};

const bySqlstate = new Map<string, ErrorClass>(errorClasses.map((c) => [c.sqlstate, c]));

/** The error class for a SQLSTATE (CreditsError itself for one credits does not name). */
export function errorClassFor(sqlstate: string): ErrorClass {
  return bySqlstate.get(sqlstate) ?? (CreditsError as unknown as ErrorClass);
}

function isServerError(err: unknown): err is Error & ServerErrorFields {
  if (!(err instanceof Error)) return false;
  const e = err as Error & ServerErrorFields;
  // node-postgres' DatabaseError (and pg-native's errors) carry the SQLSTATE in `code`
  // and the severity; system errors (ECONNREFUSED) have a code but no severity.
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity !== undefined;
}

/** Turns a server error into its CreditsError class; anything else is returned as it is. */
export function toCreditsError(err: unknown): unknown {
  if (err instanceof CreditsError || !isServerError(err)) return err;
  const Class = errorClassFor(err.code as string);
  return new Class(err.message, err, err);
}
