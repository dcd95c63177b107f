"""Exceptions raised by CreditsClient: one class per SQLSTATE of credits.

Every error the server reports reaches the application as a ``CreditsError``
(``sqlstate``, ``message``, ``detail``, ``hint``; the psycopg error is its
``__cause__``). The SQLSTATEs of README "Errors" have a class each, so

    try:
        client.deduct_credits("user_123", 25)
    except InsufficientCredits as e:
        print(e.detail)

Any other error with a SQLSTATE is a ``CreditsError`` itself. Connection-level
errors (a lost connection, a server shutdown, a statement timeout: psycopg's
``OperationalError`` other than 40001 and 40P01) and errors without a SQLSTATE
pass through unchanged.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

import psycopg

__all__ = [
    "CreditsError",
    "InsufficientCredits",
    "AccountNotFound",
    "IdempotencyConflict",
    "ReservationNotFound",
    "ReservationNotPending",
    "ReservationExpired",
    "AccountNotActive",
    "InvalidAmount",
    "TransactionNotFound",
    "ReversalExceedsOriginal",
    "DuplicateAccount",
    "InvalidParameter",
    "AccountNotEmpty",
    "WriteRefused",
    "UnitMismatch",
    "PlanNotFound",
    "DuplicatePlan",
    "SubscriptionNotFound",
    "UnsupportedTableChange",
    "ShardNotLocal",
    "PriceNotFound",
    "PriceConflict",
    "UsageTimeOutOfRange",
    "ReloadRequestNotFound",
    "ReloadRequestCompleted",
    "ConsumerNotFound",
    "EventNotFound",
    "DuplicateConsumer",
    "NumericValueOutOfRange",
    "ReadOnlyTransaction",
    "SerializationFailure",
    "DeadlockDetected",
    "InsufficientPrivilege",
    "FeatureNotAvailable",
    "ERRORS",
    "from_psycopg",
]


class CreditsError(Exception):
    """An error reported by the server (or by credits), with its SQLSTATE."""

    #: SQLSTATE of the class (the instance's ``sqlstate`` may differ for the base class).
    code: Optional[str] = None
    #: True when the same call may simply be retried (40001, 40P01, CR020).
    retryable: bool = False

    def __init__(self, message: str, sqlstate: Optional[str] = None,
                 detail: Optional[str] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate if sqlstate is not None else self.code
        self.detail = detail
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.sqlstate:
            text = f"{text} (SQLSTATE {self.sqlstate})"
        if self.detail:
            text += f"\nDETAIL: {self.detail}"
        if self.hint:
            text += f"\nHINT: {self.hint}"
        return text


# README "Errors", in order.
class InsufficientCredits(CreditsError):
    """CR001 insufficient_credits: available would fall below -overdraft_limit."""

    code = "CR001"


class AccountNotFound(CreditsError):
    """CR002 account_not_found: no account with that id or external_id in this tenant."""

    code = "CR002"


class IdempotencyConflict(CreditsError):
    """CR003 idempotency_conflict: key reused with different parameters."""

    code = "CR003"


class ReservationNotFound(CreditsError):
    """CR004 reservation_not_found."""

    code = "CR004"


class ReservationNotPending(CreditsError):
    """CR005 reservation_not_pending: the hold was already confirmed, cancelled or expired."""

    code = "CR005"


class ReservationExpired(CreditsError):
    """CR006 reservation_expired."""

    code = "CR006"


class AccountNotActive(CreditsError):
    """CR007 account_not_active: the account is frozen or closed."""

    code = "CR007"


class InvalidAmount(CreditsError):
    """CR008 invalid_amount."""

    code = "CR008"


class TransactionNotFound(CreditsError):
    """CR009 transaction_not_found."""

    code = "CR009"


class ReversalExceedsOriginal(CreditsError):
    """CR010 reversal_exceeds_original."""

    code = "CR010"


class DuplicateAccount(CreditsError):
    """CR011 duplicate_account: external_id already used in this tenant."""

    code = "CR011"


class InvalidParameter(CreditsError):
    """CR012 invalid_parameter."""

    code = "CR012"


class AccountNotEmpty(CreditsError):
    """CR013 account_not_empty: closing needs zero balance and no holds."""

    code = "CR013"


class WriteRefused(CreditsError):
    """CR014 write_refused: direct writes to credits' tables."""

    code = "CR014"


class UnitMismatch(CreditsError):
    """CR015 unit_mismatch: a transfer between accounts of different units."""

    code = "CR015"


class PlanNotFound(CreditsError):
    """CR016 plan_not_found."""

    code = "CR016"


class DuplicatePlan(CreditsError):
    """CR017 duplicate_plan."""

    code = "CR017"


class SubscriptionNotFound(CreditsError):
    """CR018 subscription_not_found."""

    code = "CR018"


class UnsupportedTableChange(CreditsError):
    """CR019 unsupported_table_change."""

    code = "CR019"


class ShardNotLocal(CreditsError):
    """CR020 shard_not_local (Citus): retry through the coordinator."""

    code = "CR020"
    retryable = True


class PriceNotFound(CreditsError):
    """CR021 price_not_found."""

    code = "CR021"


class PriceConflict(CreditsError):
    """CR022 price_conflict."""

    code = "CR022"


class UsageTimeOutOfRange(CreditsError):
    """CR023 usage_time_out_of_range."""

    code = "CR023"


class ReloadRequestNotFound(CreditsError):
    """CR024 reload_request_not_found."""

    code = "CR024"


class ReloadRequestCompleted(CreditsError):
    """CR025 reload_request_completed."""

    code = "CR025"


class ConsumerNotFound(CreditsError):
    """CR026 consumer_not_found."""

    code = "CR026"


class EventNotFound(CreditsError):
    """CR027 event_not_found."""

    code = "CR027"


class DuplicateConsumer(CreditsError):
    """CR028 duplicate_consumer."""

    code = "CR028"


class NumericValueOutOfRange(CreditsError):
    """22003: a balance would leave +-10^18."""

    code = "22003"


class ReadOnlyTransaction(CreditsError):
    """25006: a write in a read-only transaction or on a hot standby."""

    code = "25006"


class SerializationFailure(CreditsError):
    """40001: a REPEATABLE READ / SERIALIZABLE caller raced another writer; retry."""

    code = "40001"
    retryable = True


class DeadlockDetected(CreditsError):
    """40P01: deadlock; retry."""

    code = "40P01"
    retryable = True


class InsufficientPrivilege(CreditsError):
    """42501: no access to the function, or a tenant the role is not bound to."""

    code = "42501"




class FeatureNotAvailable(CreditsError):
    """The installed credits has no SQL for this (for instance an argument added in a later
    version). Raised by the client before anything is sent."""


#: SQLSTATE -> exception class.
ERRORS: Dict[str, Type[CreditsError]] = {
    cls.code: cls  # type: ignore[misc]
    for cls in (
        InsufficientCredits, AccountNotFound, IdempotencyConflict, ReservationNotFound,
        ReservationNotPending, ReservationExpired, AccountNotActive, InvalidAmount,
        TransactionNotFound, ReversalExceedsOriginal, DuplicateAccount, InvalidParameter,
        AccountNotEmpty, WriteRefused, UnitMismatch, PlanNotFound, DuplicatePlan,
        SubscriptionNotFound, UnsupportedTableChange, ShardNotLocal, PriceNotFound,
        PriceConflict, UsageTimeOutOfRange, ReloadRequestNotFound, ReloadRequestCompleted,
        ConsumerNotFound, EventNotFound, DuplicateConsumer, NumericValueOutOfRange,
        ReadOnlyTransaction, SerializationFailure, DeadlockDetected, InsufficientPrivilege,
    )
}


def from_psycopg(error: BaseException) -> Optional[CreditsError]:
    """The CreditsError for a psycopg error, or None for one that stays psycopg's own: no
    SQLSTATE, or an operational error (lost connection, server shutdown, statement
    timeout) other than the ones mapped above."""
    sqlstate = getattr(error, "sqlstate", None)
    if not sqlstate:
        return None
    if sqlstate not in ERRORS and isinstance(error, psycopg.OperationalError):
        return None
    diag = getattr(error, "diag", None)
    message = (getattr(diag, "message_primary", None) if diag is not None else None) or str(error)
    detail = getattr(diag, "message_detail", None) if diag is not None else None
    hint = getattr(diag, "message_hint", None) if diag is not None else None
    cls = ERRORS.get(sqlstate, CreditsError)
    return cls(message, sqlstate=sqlstate, detail=detail, hint=hint)