"""Result types: frozen dataclasses, one per row type of credits' SQL API.

Amounts are ``decimal.Decimal`` (exact, as stored), times are timezone-aware
``datetime``, jsonb columns are ``dict`` (or ``list``), SQL arrays are tuples.
Columns a newer credits adds are ignored, so an upgrade of the extension never
breaks the client.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Generic, Iterator, Mapping, Optional, Tuple, Type, TypeVar

__all__ = [
    "Account", "Balance", "Transaction", "Confirmation", "Reversal", "Reservation", "Transfer",
    "Entry", "Pagination", "Page", "Grant", "Plan", "Subscription", "UsageRecord",
    "UsageSummary", "AccountSummary", "Quote", "Price", "BatchResult", "Alerts",
    "ReloadRequest", "Event", "Consumer", "StatusChange",
]

T = TypeVar("T")
R = TypeVar("R", bound="_Row")


def _iso_duration(value: _dt.timedelta) -> str:
    """ISO 8601 for a timedelta ('P30D', 'PT1H30M', 'P1DT0.5S'; negative: 'PT-1M-30S', each
    field signed, as PostgreSQL reads it)."""
    total_us = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if total_us < 0 else ""
    total_us = abs(total_us)
    days, rest = divmod(total_us, 86400 * 1_000_000)
    hours, rest = divmod(rest, 3600 * 1_000_000)
    minutes, rest = divmod(rest, 60 * 1_000_000)
    seconds, micros = divmod(rest, 1_000_000)
    out = "P"
    if days:
        out += f"{sign}{days}D"
    time = ""
    if hours:
        time += f"{sign}{hours}H"
    if minutes:
        time += f"{sign}{minutes}M"
    if seconds or micros:
        time += sign + f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S"
    if time:
        out += "T" + time
    return "PT0S" if out == "P" else out


class _Row:
    """Builds a dataclass from a row (a mapping of column names), ignoring unknown columns."""

    @classmethod
    def _from_row(cls: Type[R], row: Mapping[str, Any]) -> R:
        values = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            v = row.get(f.name)
            if isinstance(v, list) and f.name not in _JSON_FIELDS:
                v = tuple(v)
            elif isinstance(v, _dt.timedelta) and f.name in _DURATION_FIELDS:
                v = _iso_duration(v)
            values[f.name] = v
        return cls(**values)  # type: ignore[call-arg]


# jsonb columns stay as they come (dict or list); other lists (SQL arrays) become tuples.
_JSON_FIELDS = frozenset({"metadata", "data", "grants", "requests_by_endpoint", "usage_this_month"})
# credits 0.9.0 returns default_grant_ttl as ISO 8601 text; 0.8.0 as interval: always a str here.
_DURATION_FIELDS = frozenset({"default_grant_ttl"})


@dataclass(frozen=True)
class Account(_Row):
    """A row of ``credits_accounts`` (what every account function returns)."""

    id: str
    external_id: str
    owner_id: Optional[str]
    name: Optional[str]
    email: Optional[str]
    unit: str
    scale: int
    balance: Decimal
    reserved: Decimal
    available: Decimal
    overdraft_limit: Decimal
    status: str
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime
    updated_at: _dt.datetime
    default_grant_ttl: Optional[str]  # ISO 8601 duration, e.g. 'P30D'
    min_credit_amount: Optional[Decimal]
    notify_emails: Optional[Tuple[str, ...]]
    auto_reload_enabled: Optional[bool]
    auto_reload_threshold: Optional[Decimal]
    auto_reload_amount: Optional[Decimal]
    auto_reload_target_balance: Optional[Decimal]


@dataclass(frozen=True)
class Balance(_Row):
    """``credits_balance``: balance, reserved (held) and available (= balance - reserved)."""

    account_id: str
    external_id: str
    balance: Decimal
    reserved: Decimal
    available: Decimal
    unit: str
    updated_at: _dt.datetime
    auto_reload_enabled: Optional[bool]
    auto_reload_threshold: Optional[Decimal]
    auto_reload_amount: Optional[Decimal]


@dataclass(frozen=True)
class Transaction(_Row):
    """``credits_transaction``: a credit, debit or adjustment. ``amount`` is positive for
    credits and debits (``type`` gives the direction), signed for adjustments; ``balance``
    and ``available`` are the account's right after it."""

    transaction_id: str
    account_id: str
    external_id: str
    type: str
    amount: Decimal
    balance: Decimal
    available: Decimal
    description: Optional[str]
    reference: Optional[str]
    idempotency_key: Optional[str]
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime


@dataclass(frozen=True)
class Confirmation(Transaction):
    """``credits_confirmation``: the debit of a confirmed reservation."""

    reservation_id: str
    released: Decimal


@dataclass(frozen=True)
class Reversal(Transaction):
    """``credits_reversal``: ``reverses`` is the original transaction id."""

    reverses: str


@dataclass(frozen=True)
class Reservation(_Row):
    """``credits_reservation_result``: a hold (``res_…``) and the account right after it."""

    id: str
    account_id: str
    external_id: str
    amount: Decimal
    status: str
    expires_at: _dt.datetime
    description: Optional[str]
    reference: Optional[str]
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime
    balance: Decimal
    reserved: Decimal
    available: Decimal


@dataclass(frozen=True)
class Transfer(_Row):
    """``credits_transfer_result``."""

    transaction_id: str
    from_account_id: str
    from_external_id: str
    to_account_id: str
    to_external_id: str
    amount: Decimal
    from_balance: Decimal
    from_available: Decimal
    to_balance: Decimal
    to_available: Decimal
    description: Optional[str]
    reference: Optional[str]
    idempotency_key: Optional[str]
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime


@dataclass(frozen=True)
class Entry(_Row):
    """A ledger entry (``credits_entries``). ``id`` is the entry's number within its account;
    ``amount`` is signed (what the balance gained)."""

    id: int
    transaction_id: str
    account_id: str
    external_id: str
    type: str
    amount: Decimal
    balance_after: Decimal
    description: Optional[str]
    reference: Optional[str]
    idempotency_key: Optional[str]
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime
    available_after: Optional[Decimal]
    reservation_id: Optional[str]
    counterparty_id: Optional[str]
    reverses: Optional[str]
    reversed_amount: Optional[Decimal]
    grants: Optional[Dict[str, Any]]


@dataclass(frozen=True)
class Pagination:
    """Where a page lies: ``total`` counts every matching row (not just this page);
    ``cursor`` is the last row's keyset cursor, to pass as ``after`` for the next page
    (stable while new rows arrive). ``has_more`` is exact for offset paging; after a
    cursor it is True whenever the page is full."""

    limit: int
    offset: int
    total: int
    cursor: Optional[str]
    has_more: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` and ``pagination``, like the hosted SDK's ``{items, pagination}``."""

    items: Tuple[T, ...]
    pagination: Pagination

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Grant(_Row):
    """``credits_grants``: credits with an expiry, a priority or a category."""

    id: str
    account_id: str
    external_id: str
    amount: Decimal
    remaining: Decimal
    held: Decimal
    expires_at: Optional[_dt.datetime]
    priority: int
    category: Optional[str]
    status: str
    transaction_id: Optional[str]
    period_start: Optional[_dt.datetime]
    created_at: _dt.datetime
    ended_at: Optional[_dt.datetime]


@dataclass(frozen=True)
class Plan(_Row):
    """``credits_plans``."""

    id: str
    code: str
    name: Optional[str]
    allowance: Decimal
    period: str
    rollover: str
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime


@dataclass(frozen=True)
class Subscription(_Row):
    """``credits_subscriptions``: an account's plan."""

    account_id: str
    external_id: str
    plan_id: str
    plan_code: str
    status: str
    current_period_start: Optional[_dt.datetime]
    current_period_end: Optional[_dt.datetime]
    next_plan_id: Optional[str]
    anchor: Optional[_dt.datetime]
    created_at: _dt.datetime
    cancelled_at: Optional[_dt.datetime]


@dataclass(frozen=True)
class UsageRecord(_Row):
    """``credits_usage_result``: a usage record (``use_…``). ``cost`` is exact, ``charged``
    what a charge debited; ``balance``, ``available`` and ``replayed`` are None in listings."""

    id: str
    account_id: str
    external_id: str
    model: Optional[str]
    usage_type: str
    endpoint: Optional[str]
    context: str
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    units: Decimal
    requests: int
    success: bool
    cost: Optional[Decimal]
    charged: Optional[Decimal]
    unit: str
    price_id: Optional[str]
    transaction_id: Optional[str]
    reservation_id: Optional[str]
    description: Optional[str]
    metadata: Optional[Dict[str, Any]]
    idempotency_key: Optional[str]
    occurred_at: _dt.datetime
    created_at: _dt.datetime
    balance: Optional[Decimal]
    available: Optional[Decimal]
    replayed: Optional[bool]


@dataclass(frozen=True)
class UsageSummary(_Row):
    """A row of ``credits_usage_summary``: one period (and group)."""

    period_start: _dt.datetime
    period_end: _dt.datetime
    model: Optional[str]
    usage_type: Optional[str]
    endpoint: Optional[str]
    context: Optional[str]
    total_requests: int
    successful_requests: int
    failed_requests: int
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    units: Decimal
    credits_consumed: Decimal
    credits_charged: Decimal
    records: int
    requests_by_endpoint: Optional[Dict[str, Any]]


@dataclass(frozen=True)
class AccountSummary(_Row):
    """``credits_account_summary``: balance, plan, this month's usage, usage of all time."""

    account_id: str
    external_id: str
    name: Optional[str]
    status: str
    unit: str
    scale: int
    balance: Decimal
    reserved: Decimal
    available: Decimal
    plan_id: Optional[str]
    plan_code: Optional[str]
    plan_name: Optional[str]
    current_period_start: Optional[_dt.datetime]
    current_period_end: Optional[_dt.datetime]
    usage_this_month: Optional[Dict[str, Any]]
    total_requests: int
    successful_requests: int
    failed_requests: int
    credits_consumed: Decimal
    created_at: _dt.datetime
    last_activity_at: _dt.datetime


@dataclass(frozen=True)
class Quote(_Row):
    """``credits_quote``: ``cost`` (exact) and ``amount`` (what a charge would debit)."""

    cost: Decimal
    amount: Decimal
    unit: str
    scale: int
    rounding: str
    price_id: str
    effective_from: _dt.datetime


@dataclass(frozen=True)
class Price(_Row):
    """``credits_price_version``: a version of a model's price."""

    id: str
    model: str
    usage_type: str
    per_tokens: int
    input_price: Decimal
    cached_input_price: Decimal
    cache_write_price: Decimal
    output_price: Decimal
    reasoning_price: Decimal
    request_price: Decimal
    unit_price: Decimal
    rounding: str
    effective_from: _dt.datetime
    effective_until: Optional[_dt.datetime]
    description: Optional[str]
    metadata: Optional[Dict[str, Any]]
    created_at: _dt.datetime


@dataclass(frozen=True)
class BatchResult(_Row):
    """``credits_apply_result``: one per operation of a batch."""

    index: int
    ok: bool
    sqlstate: Optional[str]
    message: Optional[str]
    transaction_id: Optional[str]
    reservation_id: Optional[str]
    balance: Optional[Decimal]
    available: Optional[Decimal]
    usage_id: Optional[str]


@dataclass(frozen=True)
class Alerts(_Row):
    """``credits_alerts``: an account's alert thresholds and auto-reload settings."""

    account_id: str
    external_id: str
    unit: str
    thresholds: Tuple[Decimal, ...]
    thresholds_in_alarm: Tuple[Decimal, ...]
    depleted_alert: bool
    depleted: bool
    notify_emails: Optional[Tuple[str, ...]]
    auto_reload_enabled: bool
    auto_reload_threshold: Optional[Decimal]
    auto_reload_amount: Optional[Decimal]
    auto_reload_target_balance: Optional[Decimal]
    auto_reload_max_per_day: Optional[int]
    auto_reload_max_per_month: Optional[int]
    auto_reload_cooldown_seconds: Optional[int]
    auto_reload_category: Optional[str]
    auto_reload_expires_in_seconds: Optional[int]
    auto_reload_max_failures: Optional[int]
    auto_reload_failures: Optional[int]
    auto_reload_disabled_reason: Optional[str]
    auto_reload_pending_request: Optional[str]
    auto_reload_last_requested_at: Optional[_dt.datetime]
    updated_at: _dt.datetime


@dataclass(frozen=True)
class ReloadRequest(_Row):
    """``credits_reload_result``: an auto-reload request (``rld_…``)."""

    id: str
    account_id: str
    external_id: str
    amount: Decimal
    unit: str
    status: str
    requested_at: _dt.datetime
    completed_at: Optional[_dt.datetime]
    payment_reference: Optional[str]
    failure_reason: Optional[str]
    transaction_id: Optional[str]
    replayed: Optional[bool]


@dataclass(frozen=True)
class Event(_Row):
    """``credits_events``: an event of the feed (``evt_…``); ``data`` has amounts as strings."""

    id: str
    type: str
    account_id: Optional[str]
    external_id: Optional[str]
    tenant: str
    occurred_at: _dt.datetime
    data: Dict[str, Any]
    position: int
    ordinal: int
    committed_at: Optional[_dt.datetime]


@dataclass(frozen=True)
class Consumer(_Row):
    """``credits_event_consumers``: a named consumer of the feed and how far it acknowledged."""

    name: str
    types: Optional[Tuple[str, ...]]
    acked_event: Optional[str]
    acked_position: Optional[int]
    acked_ordinal: Optional[int]
    acked_at: Optional[_dt.datetime]
    created_at: _dt.datetime


@dataclass(frozen=True)
class StatusChange(_Row):
    """``credits_status_history``."""

    id: int
    account_id: str
    external_id: str
    from_status: str
    to_status: str
    reason: Optional[str]
    changed_at: _dt.datetime
