"""CreditsClient: the credits SQL API over psycopg 3, synchronous."""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, Type, TypeVar, Union)

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads

from . import _convert as cv
from .errors import FeatureNotAvailable, from_psycopg
from .types import (Account, AccountSummary, Alerts, Balance, BatchResult, Confirmation, Consumer,
                    Entry, Event, Grant, Page, Pagination, Plan, Price, Quote, ReloadRequest,
                    Reservation, Reversal, StatusChange, Subscription, Transaction, Transfer,
                    UsageRecord, UsageSummary, _Row)

__all__ = ["CreditsClient"]

R = TypeVar("R", bound=_Row)
Amount = cv.Amount
Duration = cv.Duration
Timestamp = Union[_dt.datetime, _dt.date, str]

# Casts of the arguments, by kind. Text (and durations, which are an interval in
# credits 0.8.0 and ISO 8601 text in 0.9.0) are sent untyped so that the server
# picks the parameter's type; psycopg's Jsonb is typed jsonb already.
_TEXT = ""
_NUM = "::numeric"
_INT = "::int"
_BIGINT = "::bigint"
_BOOL = "::boolean"
_TS = "::timestamptz"
_JSONB = ""
_DURATION = ""
_TEXTS = "::text[]"
_NUMS = "::numeric[]"

_SET_TENANT = "SELECT set_config('credits.tenant', %s, true)"

_FEATURES_SQL = """
SELECT p.proname, p.proargnames
  FROM pg_catalog.pg_proc p
 WHERE p.proname IN ('credits_list_entries', 'credits_list_accounts', 'credits_create_account')
   AND pg_catalog.pg_function_is_visible(p.oid)
"""

Arg = Tuple[str, str, Any]


def _call_sql(function: str, args: Sequence[Arg]) -> Tuple[str, List[Any]]:
    """``SELECT * FROM function(name => %s::cast, ...)`` with the arguments that are not None
    (the others keep the function's defaults). Names and casts are constants of this module."""
    parts = []
    params = []
    for name, cast, value in args:
        if value is None:
            continue
        parts.append(f'"{name}" => %s{cast}')
        params.append(value)
    return f"SELECT * FROM {function}({', '.join(parts)})", params


def _one_account(account: Optional[str], account_id: Optional[str], external_id: Optional[str],
                 required: bool = True) -> Optional[str]:
    given = [v for v in (account, account_id, external_id) if v is not None]
    if len(given) > 1 or (required and not given):
        raise TypeError("pass exactly one of account, account_id and external_id")
    if given and not isinstance(given[0], str):
        raise TypeError("an account is addressed by its id or external_id (a str)")
    return given[0] if given else None


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise TypeError(f"{name} is required")
    return value


class _Source:
    """Where connections come from."""

    def connection(self) -> "contextlib.AbstractContextManager[psycopg.Connection[Any]]":
        raise NotImplementedError

    def close(self) -> None:
        pass


class _OwnConnection(_Source):
    """One connection of the client's own, in autocommit mode (every call is a transaction),
    opened on first use and again after it broke; calls from several threads take turns."""

    def __init__(self, conninfo: str, prepare_threshold: Optional[int], kwargs: Dict[str, Any]):
        self._conninfo = conninfo
        self._prepare_threshold = prepare_threshold
        self._kwargs = kwargs
        self._lock = threading.Lock()
        self._conn: Optional[psycopg.Connection[Any]] = None

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._conninfo, autocommit=True,
                                             prepare_threshold=self._prepare_threshold,
                                             **self._kwargs)
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class _GivenConnection(_Source):
    """The application's connection: calls join its transaction (as a savepoint) when it has
    one open, else each call is a transaction of its own."""

    def __init__(self, conn: "psycopg.Connection[Any]"):
        self._conn = conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        yield self._conn


class _Pool(_Source):
    """A pool with a ``connection()`` context manager (psycopg_pool.ConnectionPool)."""

    def __init__(self, pool: Any):
        self._pool = pool

    def connection(self) -> Any:
        return self._pool.connection()


class CreditsClient:
    """The credits SQL API as Python methods.

    ``CreditsClient(source, tenant=...)`` where ``source`` is

    - a conninfo string (``"host=db dbname=app"``, ``"postgresql://..."``, ``""`` for the
      PG* environment): the client opens one connection of its own, in autocommit mode;
    - a ``psycopg.Connection`` the application already has: each call runs in
      ``conn.transaction()``, that is a savepoint when the application is inside a
      transaction (the call commits or rolls back with it, and a failed call leaves the
      application's transaction usable), else a transaction of its own;
    - a pool with a ``connection()`` context manager (``psycopg_pool.ConnectionPool``).

    Every call sets the tenant for its own transaction only
    (``set_config('credits.tenant', tenant, true)``), which is safe behind PgBouncer's
    transaction pooling; ``tenant=None`` leaves the setting alone (a role bound to one
    tenant needs none). ``prepare_threshold=None`` (the default) never uses named prepared
    statements (PgBouncer transaction mode); an int lets psycopg prepare as usual.

    Amounts are ``Decimal`` (``int`` and ``str`` are accepted, ``float`` is refused with
    TypeError); errors are ``CreditsError`` subclasses (see ``credits_client.errors``).
    """

    def __init__(self, source: Union[str, "psycopg.Connection[Any]", Any] = "", *,
                 tenant: Optional[str] = "default", prepare_threshold: Optional[int] = None,
                 **connect_kwargs: Any):
        if isinstance(source, str):
            self._source: _Source = _OwnConnection(source, prepare_threshold, connect_kwargs)
        elif isinstance(source, psycopg.Connection):
            if connect_kwargs:
                raise TypeError("connection arguments need a conninfo, not a connection")
            self._source = _GivenConnection(source)
        elif callable(getattr(source, "connection", None)):
            if connect_kwargs:
                raise TypeError("connection arguments need a conninfo, not a pool")
            self._source = _Pool(source)
        else:
            raise TypeError("source: a conninfo str, a psycopg.Connection or a pool")
        if tenant is not None and not isinstance(tenant, str):
            raise TypeError("tenant: a str or None")
        self.tenant = tenant
        self._prepare: Optional[bool] = False if prepare_threshold is None else None
        self._features: Dict[str, bool] = {}

    # -- plumbing -------------------------------------------------------------

    def for_tenant(self, tenant: Optional[str]) -> "CreditsClient":
        """A client of another tenant over the same connection, connection or pool."""
        other = object.__new__(CreditsClient)
        other.__dict__.update(self.__dict__)
        other.tenant = tenant
        return other

    def close(self) -> None:
        """Closes the client's own connection (never an application's connection or pool)."""
        self._source.close()

    def __enter__(self) -> "CreditsClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _run(self, work: Callable[["psycopg.Cursor[Dict[str, Any]]"], Any]) -> Any:
        """Runs ``work(cursor)`` in a transaction (or savepoint) with the tenant set."""
        try:
            with self._source.connection() as conn:
                with conn.transaction():
                    with conn.cursor(row_factory=dict_row) as cur:
                        # JSON numbers in jsonb results (grants, usage summaries) as Decimal,
                        # on this cursor only (the application's connection keeps its own).
                        set_json_loads(cv.json_loads, cur)
                        if self.tenant is not None:
                            cur.execute(_SET_TENANT, (self.tenant,), prepare=self._prepare)
                        if not self._features:
                            self._load_features(cur)
                        return work(cur)
        except psycopg.Error as e:
            error = from_psycopg(e)
            if error is None:
                raise
            raise error from e

    def _load_features(self, cur: "psycopg.Cursor[Dict[str, Any]]") -> None:
        cur.execute(_FEATURES_SQL, prepare=self._prepare)
        names = {row["proname"]: (row["proargnames"] or []) for row in cur.fetchall()}
        self._features.update(
            list_entries="credits_list_entries" in names,
            list_accounts="credits_list_accounts" in names,
            create_account_idempotency="idempotency_key" in names.get("credits_create_account", []),
        )

    def _has(self, feature: str) -> bool:
        if not self._features:
            self._run(lambda cur: None)
        return self._features.get(feature, False)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> List[Dict[str, Any]]:
        def work(cur: "psycopg.Cursor[Dict[str, Any]]") -> List[Dict[str, Any]]:
            cur.execute(sql, params, prepare=self._prepare)
            return cur.fetchall()
        return self._run(work)

    def _call(self, function: str, args: Sequence[Arg]) -> List[Dict[str, Any]]:
        sql, params = _call_sql(function, args)
        return self._rows(sql, params)

    def _call_one(self, cls: Type[R], function: str, args: Sequence[Arg]) -> R:
        rows = self._call(function, args)
        return cls._from_row(rows[0])

    def _call_many(self, cls: Type[R], function: str, args: Sequence[Arg]) -> Tuple[R, ...]:
        return tuple(cls._from_row(r) for r in self._call(function, args))

    # -- accounts -------------------------------------------------------------

    def create_account(self, external_id: str, *, name: Optional[str] = None,
                       email: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None,
                       unit: Optional[str] = None, scale: Optional[int] = None,
                       overdraft_limit: Optional[Amount] = None,
                       initial_balance: Optional[Amount] = None, owner_id: Optional[str] = None,
                       default_grant_ttl: Optional[Duration] = None,
                       min_credit_amount: Optional[Amount] = None,
                       notify_emails: Optional[Iterable[str]] = None,
                       idempotency_key: Optional[str] = None) -> Account:
        """``credits_create_account``. ``idempotency_key`` (credits 0.9.0): a retry with the
        same key and parameters returns the existing account. Errors: DuplicateAccount,
        InvalidParameter, InvalidAmount, IdempotencyConflict."""
        _required(external_id, "external_id")
        args: List[Arg] = [
            ("external_id", _TEXT, external_id), ("name", _TEXT, name), ("email", _TEXT, email),
            ("metadata", _JSONB, cv.jsonb(metadata)), ("unit", _TEXT, unit),
            ("scale", _INT, cv.integer(scale, "scale")),
            ("overdraft_limit", _NUM, cv.amount(overdraft_limit, "overdraft_limit")),
            ("initial_balance", _NUM, cv.amount(initial_balance, "initial_balance")),
            ("owner_id", _TEXT, owner_id),
            ("default_grant_ttl", _DURATION, cv.duration(default_grant_ttl, "default_grant_ttl")),
            ("min_credit_amount", _NUM, cv.amount(min_credit_amount, "min_credit_amount")),
            ("notify_emails", _TEXTS, cv.text_array(notify_emails, "notify_emails")),
        ]
        if idempotency_key is not None:
            if not self._has("create_account_idempotency"):
                raise FeatureNotAvailable(
                    "credits_create_account has no idempotency_key in the installed credits "
                    "(0.9.0 adds it)")
            args.append(("idempotency_key", _TEXT, idempotency_key))
        return self._call_one(Account, "credits_create_account", args)

    def get_account(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                    external_id: Optional[str] = None) -> Account:
        """``credits_get_account``: by internal id (``acc_…``) or external id. AccountNotFound."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Account, "credits_get_account", [("account", _TEXT, acct)])

    def update_account(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                       external_id: Optional[str] = None, name: Optional[str] = None,
                       email: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None,
                       overdraft_limit: Optional[Amount] = None, status: Optional[str] = None,
                       default_grant_ttl: Optional[Duration] = None,
                       min_credit_amount: Optional[Amount] = None,
                       notify_emails: Optional[Iterable[str]] = None) -> Account:
        """``credits_update_account``: only what is given changes (``metadata`` replaces the
        object; ``default_grant_ttl='0'``, ``min_credit_amount=0``, ``notify_emails=[]``
        clear)."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Account, "credits_update_account", [
            ("account", _TEXT, acct), ("name", _TEXT, name), ("email", _TEXT, email),
            ("metadata", _JSONB, cv.jsonb(metadata)),
            ("overdraft_limit", _NUM, cv.amount(overdraft_limit, "overdraft_limit")),
            ("status", _TEXT, status),
            ("default_grant_ttl", _DURATION, cv.duration(default_grant_ttl, "default_grant_ttl")),
            ("min_credit_amount", _NUM, cv.amount(min_credit_amount, "min_credit_amount")),
            ("notify_emails", _TEXTS, cv.text_array(notify_emails, "notify_emails")),
        ])

    def list_accounts(self, *, owner_id: Optional[str] = None, status: Optional[str] = None,
                      metadata: Optional[Mapping[str, Any]] = None, limit: int = 50,
                      offset: int = 0, after: Optional[str] = None) -> Page[Account]:
        """The tenant's accounts, oldest first, filtered by owner, status and metadata
        containment (``metadata @> ...``): a Page with ``items`` and ``pagination``
        (``total`` of all matching accounts; pass ``pagination.cursor`` as ``after``)."""
        cv.integer(limit, "limit")
        cv.integer(offset, "offset")
        if self._has("list_accounts"):
            sql, params = _call_sql("credits_list_accounts", [
                ("owner_id", _TEXT, owner_id), ("status", _TEXT, status),
                ("metadata", _JSONB, cv.jsonb(metadata)), ("page_size", _INT, limit),
                ("page_offset", _INT, offset), ("after", _TEXT, after)])
            recount = _call_sql("credits_list_accounts", [
                ("owner_id", _TEXT, owner_id), ("status", _TEXT, status),
                ("metadata", _JSONB, cv.jsonb(metadata)), ("page_size", _INT, 1)])
            return self._page(Account, sql, params, recount, limit, offset, after)
        return self._list_accounts_0_8(owner_id, status, metadata, limit, offset, after)

    def _list_accounts_0_8(self, owner_id: Optional[str], status: Optional[str],
                           metadata: Optional[Mapping[str, Any]], limit: int, offset: int,
                           after: Optional[str]) -> Page[Account]:
        # credits 0.8.0 has no listing function: the view, a count(*) and a keyset on
        # (created_at, id), in one statement (one snapshot).
        where = ["true"]
        params: List[Any] = []
        if owner_id is not None:
            where.append("x.owner_id = %s")
            params.append(owner_id)
        if status is not None:
            where.append("x.status = %s")
            params.append(status)
        if metadata is not None:
            where.append("x.metadata @> %s")
            params.append(cv.jsonb(metadata))
        keyset = ""
        keyset_params: List[Any] = []
        if after is not None:
            at, sep, last_id = after.partition("|")
            if not sep:
                raise ValueError(f"after: not a cursor of this listing: {after!r}")
            keyset = " AND (x.created_at, x.id) > (%s::timestamptz, %s)"
            keyset_params = [at, last_id]
        filters = " AND ".join(where)
        sql = (f"SELECT c.total_count, a.* FROM "
               f"(SELECT count(*) AS total_count FROM credits_accounts x WHERE {filters}) c "
               f"LEFT JOIN LATERAL (SELECT x.* FROM credits_accounts x WHERE {filters}{keyset} "
               f"ORDER BY x.created_at, x.id LIMIT %s OFFSET %s) a ON true")
        rows = self._rows(sql, params + params + keyset_params + [limit, offset])
        total = rows[0]["total_count"] if rows else 0
        rows = [r for r in rows if r["id"] is not None]
        for r in rows:
            r["cursor"] = f"{r['created_at'].isoformat()}|{r['id']}"
        return self._make_page(Account, rows, total, limit, offset, after)

    def get_balance(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                    external_id: Optional[str] = None) -> Balance:
        """``credits_balance``: balance, reserved and available."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Balance, "credits_balance", [("account", _TEXT, acct)])

    def get_account_summary(self, account: Optional[str] = None, *,
                            account_id: Optional[str] = None, external_id: Optional[str] = None,
                            time_zone: Optional[str] = None) -> AccountSummary:
        """``credits_account_summary``: balance, plan, this month's usage, usage of all time."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(AccountSummary, "credits_account_summary",
                              [("account", _TEXT, acct), ("time_zone", _TEXT, time_zone)])

    def _lifecycle(self, function: str, account: Optional[str], account_id: Optional[str],
                   external_id: Optional[str], reason: Optional[str]) -> Account:
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Account, function,
                              [("account", _TEXT, acct), ("reason", _TEXT, reason)])

    def freeze_account(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                       external_id: Optional[str] = None, reason: Optional[str] = None) -> Account:
        """``credits_freeze``: no debits and no new holds until unfrozen."""
        return self._lifecycle("credits_freeze", account, account_id, external_id, reason)

    def unfreeze_account(self, account: Optional[str] = None, *,
                         account_id: Optional[str] = None, external_id: Optional[str] = None,
                         reason: Optional[str] = None) -> Account:
        """``credits_unfreeze``."""
        return self._lifecycle("credits_unfreeze", account, account_id, external_id, reason)

    def close_account(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                      external_id: Optional[str] = None, reason: Optional[str] = None) -> Account:
        """``credits_close``: needs zero balance and no pending holds (AccountNotEmpty)."""
        return self._lifecycle("credits_close", account, account_id, external_id, reason)

    def reopen_account(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                       external_id: Optional[str] = None, reason: Optional[str] = None) -> Account:
        """``credits_reopen``."""
        return self._lifecycle("credits_reopen", account, account_id, external_id, reason)

    def get_status_history(self, account: Optional[str] = None, *,
                           account_id: Optional[str] = None,
                           external_id: Optional[str] = None) -> Tuple[StatusChange, ...]:
        """``credits_status_history`` of one account, oldest first."""
        acct = _one_account(account, account_id, external_id)
        rows = self._rows("SELECT h.* FROM credits_status_history h "
                          "WHERE h.account_id = (SELECT id FROM credits_get_account(\"account\" => %s)) "
                          "ORDER BY h.id", [acct])
        return tuple(StatusChange._from_row(r) for r in rows)

    # -- moving credits -------------------------------------------------------

    def add_credits(self, account: Optional[str] = None, amount: Optional[Amount] = None, *,
                    account_id: Optional[str] = None, external_id: Optional[str] = None,
                    description: Optional[str] = None, reference: Optional[str] = None,
                    idempotency_key: Optional[str] = None,
                    metadata: Optional[Mapping[str, Any]] = None,
                    expires_at: Optional[Timestamp] = None, expires_in: Optional[Duration] = None,
                    priority: Optional[int] = None, category: Optional[str] = None) -> Transaction:
        """``credits_credit``. With ``expires_at``/``expires_in``, a ``priority`` or a
        ``category`` the credit is a grant (spent in burn-down order, lapsing at its expiry)."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Transaction, "credits_credit", [
            ("account", _TEXT, acct), ("amount", _NUM, cv.amount(_required(amount, "amount"))),
            ("description", _TEXT, description), ("reference", _TEXT, reference),
            ("idempotency_key", _TEXT, idempotency_key), ("metadata", _JSONB, cv.jsonb(metadata)),
            ("expires_at", _TS, cv.timestamp(expires_at, "expires_at")),
            ("expires_in", _DURATION, cv.duration(expires_in, "expires_in")),
            ("priority", _INT, cv.integer(priority, "priority")), ("category", _TEXT, category),
        ])

    def deduct_credits(self, account: Optional[str] = None, amount: Optional[Amount] = None, *,
                       account_id: Optional[str] = None, external_id: Optional[str] = None,
                       description: Optional[str] = None, reference: Optional[str] = None,
                       idempotency_key: Optional[str] = None,
                       metadata: Optional[Mapping[str, Any]] = None) -> Transaction:
        """``credits_debit``. InsufficientCredits beyond available + overdraft limit;
        AccountNotActive on frozen and closed accounts."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Transaction, "credits_debit", [
            ("account", _TEXT, acct), ("amount", _NUM, cv.amount(_required(amount, "amount"))),
            ("description", _TEXT, description), ("reference", _TEXT, reference),
            ("idempotency_key", _TEXT, idempotency_key), ("metadata", _JSONB, cv.jsonb(metadata)),
        ])

    def create_transaction(self, account: Optional[str] = None,
                           amount: Optional[Amount] = None, *, type: str,
                           account_id: Optional[str] = None, external_id: Optional[str] = None,
                           description: Optional[str] = None, reference: Optional[str] = None,
                           idempotency_key: Optional[str] = None,
                           metadata: Optional[Mapping[str, Any]] = None) -> Transaction:
        """A manual ``credit`` or ``debit`` (the hosted SDK's createTransaction)."""
        if type == "credit":
            move = self.add_credits
        elif type == "debit":
            move = self.deduct_credits
        else:
            raise ValueError("type: 'credit' or 'debit' (use adjust_balance for corrections, "
                             "reverse_transaction for refunds of a transaction)")
        return move(account, amount, account_id=account_id, external_id=external_id,
                    description=description, reference=reference,
                    idempotency_key=idempotency_key, metadata=metadata)

    def transfer_credits(self, from_account: str, to_account: str, amount: Amount, *,
                         description: Optional[str] = None, reference: Optional[str] = None,
                         idempotency_key: Optional[str] = None,
                         metadata: Optional[Mapping[str, Any]] = None) -> Transfer:
        """``credits_transfer``: one transaction, two entries. UnitMismatch, InsufficientCredits."""
        return self._call_one(Transfer, "credits_transfer", [
            ("from_account", _TEXT, _required(from_account, "from_account")),
            ("to_account", _TEXT, _required(to_account, "to_account")),
            ("amount", _NUM, cv.amount(_required(amount, "amount"))),
            ("description", _TEXT, description), ("reference", _TEXT, reference),
            ("idempotency_key", _TEXT, idempotency_key), ("metadata", _JSONB, cv.jsonb(metadata)),
        ])

    def reverse_transaction(self, transaction_id: str, amount: Optional[Amount] = None, *,
                            reason: Optional[str] = None, idempotency_key: Optional[str] = None,
                            force: Optional[bool] = None) -> Reversal:
        """``credits_reverse``: fully (no amount) or partly; a confirmed reservation by its
        id. ReversalExceedsOriginal, TransactionNotFound, InsufficientCredits (unless force)."""
        return self._call_one(Reversal, "credits_reverse", [
            ("transaction", _TEXT, _required(transaction_id, "transaction_id")),
            ("amount", _NUM, cv.amount(amount)), ("reason", _TEXT, reason),
            ("idempotency_key", _TEXT, idempotency_key), ("force", _BOOL, force),
        ])

    def adjust_balance(self, account: Optional[str] = None, amount: Optional[Amount] = None, *,
                       account_id: Optional[str] = None, external_id: Optional[str] = None,
                       reason: Optional[str] = None,
                       idempotency_key: Optional[str] = None) -> Transaction:
        """``credits_adjust``: a signed correction (never zero), allowed on frozen accounts."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Transaction, "credits_adjust", [
            ("account", _TEXT, acct), ("amount", _NUM, cv.amount(_required(amount, "amount"))),
            ("reason", _TEXT, reason), ("idempotency_key", _TEXT, idempotency_key),
        ])

    def list_grants(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                    external_id: Optional[str] = None,
                    status: Optional[str] = None) -> Tuple[Grant, ...]:
        """The account's grants (``credits_grants``) in burn-down order: lowest priority,
        soonest expiry (never last), oldest."""
        acct = _one_account(account, account_id, external_id)
        sql = ("SELECT g.* FROM credits_grants g "
               "WHERE g.account_id = (SELECT id FROM credits_get_account(\"account\" => %s))")
        params: List[Any] = [acct]
        if status is not None:
            sql += " AND g.status = %s"
            params.append(status)
        sql += " ORDER BY g.priority, g.expires_at NULLS LAST, g.created_at, g.id"
        return tuple(Grant._from_row(r) for r in self._rows(sql, params))

    # -- reservations ---------------------------------------------------------

    def create_reservation(self, account: Optional[str] = None,
                           amount: Optional[Amount] = None, *, account_id: Optional[str] = None,
                           external_id: Optional[str] = None,
                           expires_in: Optional[Duration] = None,
                           expires_at: Optional[Timestamp] = None,
                           description: Optional[str] = None, reference: Optional[str] = None,
                           idempotency_key: Optional[str] = None,
                           metadata: Optional[Mapping[str, Any]] = None) -> Reservation:
        """``credits_reserve``: a hold (15 minutes unless said otherwise)."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Reservation, "credits_reserve", [
            ("account", _TEXT, acct), ("amount", _NUM, cv.amount(_required(amount, "amount"))),
            ("expires_in", _DURATION, cv.duration(expires_in, "expires_in")),
            ("expires_at", _TS, cv.timestamp(expires_at, "expires_at")),
            ("description", _TEXT, description), ("reference", _TEXT, reference),
            ("idempotency_key", _TEXT, idempotency_key), ("metadata", _JSONB, cv.jsonb(metadata)),
        ])

    def confirm_reservation(self, reservation_id: str, amount: Optional[Amount] = None, *,
                            description: Optional[str] = None,
                            metadata: Optional[Mapping[str, Any]] = None,
                            on_excess: Optional[str] = None) -> Confirmation:
        """``credits_confirm``: debits ``amount`` (None: the whole hold) and releases the rest;
        ``on_excess`` ('reject', 'cap', 'allow') above the hold. ReservationNotPending,
        ReservationExpired, InsufficientCredits."""
        return self._call_one(Confirmation, "credits_confirm", [
            ("reservation", _TEXT, _required(reservation_id, "reservation_id")),
            ("amount", _NUM, cv.amount(amount)), ("description", _TEXT, description),
            ("metadata", _JSONB, cv.jsonb(metadata)), ("on_excess", _TEXT, on_excess),
        ])

    def cancel_reservation(self, reservation_id: str) -> Reservation:
        """``credits_cancel``: releases the whole hold. ReservationNotPending."""
        return self._call_one(Reservation, "credits_cancel", [
            ("reservation", _TEXT, _required(reservation_id, "reservation_id"))])

    def extend_reservation(self, reservation_id: str, expires_in: Duration) -> Reservation:
        """``credits_extend_reservation``: lasts until at least now + expires_in."""
        return self._call_one(Reservation, "credits_extend_reservation", [
            ("reservation", _TEXT, _required(reservation_id, "reservation_id")),
            ("expires_in", _DURATION, cv.duration(_required(expires_in, "expires_in"),
                                                  "expires_in")),
        ])

    # -- the ledger -----------------------------------------------------------

    def list_transactions(self, account: Optional[str] = None, *,
                          account_id: Optional[str] = None, external_id: Optional[str] = None,
                          limit: int = 50, offset: int = 0, after: Optional[str] = None,
                          entry_type: Optional[str] = None, since: Optional[Timestamp] = None,
                          until: Optional[Timestamp] = None) -> Page[Entry]:
        """The account's ledger entries, newest first: a Page with ``items`` and
        ``pagination`` (``limit``, ``offset``, ``total`` of all matching entries, ``cursor``:
        pass it as ``after`` for the next page, stable while new entries arrive)."""
        acct = _one_account(account, account_id, external_id)
        cv.integer(limit, "limit")
        cv.integer(offset, "offset")
        since = cv.timestamp(since, "since")
        until = cv.timestamp(until, "until")
        if self._has("list_entries"):
            filters: List[Arg] = [("account", _TEXT, acct), ("entry_type", _TEXT, entry_type),
                                  ("since", _TS, since), ("until", _TS, until)]
            sql, params = _call_sql("credits_list_entries", filters + [
                ("page_size", _INT, limit), ("page_offset", _INT, offset), ("after", _TEXT, after)])
            recount = _call_sql("credits_list_entries", filters + [("page_size", _INT, 1)])
            return self._page(Entry, sql, params, recount, limit, offset, after)
        return self._list_entries_0_8(acct, limit, offset, after, entry_type, since, until)

    def _list_entries_0_8(self, acct: str, limit: int, offset: int, after: Optional[str],
                          entry_type: Optional[str], since: Any, until: Any) -> Page[Entry]:
        # credits 0.8.0: credits_ledger for the page (its checks: CR002, CR012), a count(*)
        # of credits_entries for the total, in one statement; after a cursor (the entry's
        # number: entries are numbered 1, 2, 3, ... per account) the view with a keyset.
        where = ""
        params: List[Any] = []
        if entry_type is not None:
            where += " AND x.type = %s"
            params.append(entry_type)
        if since is not None:
            where += " AND x.created_at >= %s::timestamptz"
            params.append(since)
        if until is not None:
            where += " AND x.created_at < %s::timestamptz"
            params.append(until)
        count = ("SELECT count(*) AS total_count FROM credits_entries x, acct "
                 f"WHERE x.account_id = acct.id{where}")
        head = 'WITH acct AS (SELECT id FROM credits_get_account("account" => %s)) '
        if after is None:
            page_sql, page_params = _call_sql("credits_ledger", [
                ("account", _TEXT, acct), ("entry_type", _TEXT, entry_type),
                ("since", _TS, since), ("until", _TS, until), ("page_size", _INT, limit),
                ("page_offset", _INT, offset)])
            page = page_sql.replace("SELECT * FROM ", "", 1)
            sql = f"{head}SELECT c.total_count, e.* FROM ({count}) c LEFT JOIN LATERAL {page} e ON true"
            all_params = [acct] + params + page_params
        else:
            try:
                last = int(after)
            except ValueError:
                raise ValueError(f"after: not a cursor of this listing: {after!r}") from None
            page = (f"(SELECT x.* FROM credits_entries x, acct WHERE x.account_id = acct.id{where}"
                    " AND x.id < %s ORDER BY x.id DESC LIMIT %s OFFSET %s)")
            sql = f"{head}SELECT c.total_count, e.* FROM ({count}) c LEFT JOIN LATERAL {page} e ON true"
            all_params = [acct] + params + params + [last, limit, offset]
        rows = self._rows(sql, all_params)
        total = rows[0]["total_count"] if rows else 0
        rows = [r for r in rows if r["id"] is not None]
        for r in rows:
            r["cursor"] = str(r["id"])
        return self._make_page(Entry, rows, total, limit, offset, after)

    def _page(self, cls: Type[R], sql: str, params: List[Any],
              recount: Tuple[str, List[Any]], limit: int, offset: int,
              after: Optional[str]) -> Page[R]:
        """A page from a 0.9.0 listing function (rows with total_count and cursor)."""
        def work(cur: "psycopg.Cursor[Dict[str, Any]]") -> Tuple[List[Dict[str, Any]], int]:
            cur.execute(sql, params, prepare=self._prepare)
            rows = cur.fetchall()
            if rows:
                return rows, rows[0]["total_count"]
            if offset == 0 and after is None:
                return rows, 0
            # A page past the end has no row to carry the total: ask for the first row.
            cur.execute(recount[0], recount[1], prepare=self._prepare)
            first = cur.fetchall()
            return rows, (first[0]["total_count"] if first else 0)
        rows, total = self._run(work)
        return self._make_page(cls, rows, total, limit, offset, after)

    @staticmethod
    def _make_page(cls: Type[R], rows: List[Dict[str, Any]], total: int, limit: int,
                   offset: int, after: Optional[str]) -> Page[R]:
        items = tuple(cls._from_row(r) for r in rows)
        cursor = rows[-1].get("cursor") if rows else None
        if after is None:
            has_more = offset + len(items) < total
        else:
            has_more = len(items) == limit
        return Page(items=items, pagination=Pagination(limit=limit, offset=offset, total=total,
                                                       cursor=cursor, has_more=has_more))

    def iter_transactions(self, account: Optional[str] = None, *,
                          account_id: Optional[str] = None, external_id: Optional[str] = None,
                          page_size: int = 100, **filters: Any) -> Iterator[Entry]:
        """Every matching entry, newest first, page by page along the cursor."""
        after = None
        while True:
            page = self.list_transactions(account, account_id=account_id,
                                          external_id=external_id, limit=page_size,
                                          after=after, **filters)
            yield from page.items
            if len(page.items) < page_size or page.pagination.cursor is None:
                return
            after = page.pagination.cursor

    # -- plans ----------------------------------------------------------------

    def list_plans(self) -> Tuple[Plan, ...]:
        """The tenant's plans (``credits_plans``), oldest first."""
        rows = self._rows("SELECT p.* FROM credits_plans p ORDER BY p.created_at, p.id")
        return tuple(Plan._from_row(r) for r in rows)

    def create_plan(self, code: str, name: Optional[str], allowance: Amount, period: str, *,
                    rollover: Optional[Union[str, Amount]] = None,
                    metadata: Optional[Mapping[str, Any]] = None) -> Plan:
        """``credits_create_plan`` (admin): ``period`` day, week, month or year; ``rollover``
        'none', 'all' or the most that rolls over."""
        if rollover is not None and not isinstance(rollover, str):
            rollover = str(cv.amount(rollover, "rollover"))
        return self._call_one(Plan, "credits_create_plan", [
            ("code", _TEXT, _required(code, "code")), ("name", _TEXT, name),
            ("allowance", _NUM, cv.amount(_required(allowance, "allowance"), "allowance")),
            ("period", _TEXT, _required(period, "period")), ("rollover", _TEXT, rollover),
            ("metadata", _JSONB, cv.jsonb(metadata)),
        ])

    def assign_plan_to_account(self, account: Optional[str] = None, *, plan_id: str,
                               account_id: Optional[str] = None,
                               external_id: Optional[str] = None,
                               start_mode: Optional[str] = None,
                               anchor: Optional[Timestamp] = None) -> Subscription:
        """``credits_assign_plan``: ``plan_id`` is a plan id or code; ``start_mode``
        'immediate' (default) or 'next_period'. PlanNotFound, AccountNotActive."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Subscription, "credits_assign_plan", [
            ("account", _TEXT, acct), ("plan", _TEXT, _required(plan_id, "plan_id")),
            ("start_mode", _TEXT, start_mode), ("anchor", _TS, cv.timestamp(anchor, "anchor")),
        ])

    def cancel_plan(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                    external_id: Optional[str] = None) -> Subscription:
        """``credits_cancel_plan``: no more allocations. SubscriptionNotFound."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Subscription, "credits_cancel_plan", [("account", _TEXT, acct)])

    # -- usage ----------------------------------------------------------------

    def _usage_args(self, input_tokens: Optional[int], cached_input_tokens: Optional[int],
                    cache_write_tokens: Optional[int], output_tokens: Optional[int],
                    reasoning_tokens: Optional[int], units: Optional[Amount],
                    requests: Optional[int]) -> List[Arg]:
        return [
            ("input_tokens", _BIGINT, cv.integer(input_tokens, "input_tokens")),
            ("cached_input_tokens", _BIGINT, cv.integer(cached_input_tokens, "cached_input_tokens")),
            ("cache_write_tokens", _BIGINT, cv.integer(cache_write_tokens, "cache_write_tokens")),
            ("output_tokens", _BIGINT, cv.integer(output_tokens, "output_tokens")),
            ("reasoning_tokens", _BIGINT, cv.integer(reasoning_tokens, "reasoning_tokens")),
            ("units", _NUM, cv.amount(units, "units")),
            ("requests", _INT, cv.integer(requests, "requests")),
        ]

    def record_usage(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                     external_id: Optional[str] = None, model: Optional[str] = None,
                     usage_type: Optional[str] = None, endpoint: Optional[str] = None,
                     context: Optional[str] = None, input_tokens: Optional[int] = None,
                     cached_input_tokens: Optional[int] = None,
                     cache_write_tokens: Optional[int] = None,
                     output_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
                     units: Optional[Amount] = None, requests: Optional[int] = None,
                     success: Optional[bool] = None, cost: Optional[Amount] = None,
                     transaction_id: Optional[str] = None, reservation_id: Optional[str] = None,
                     description: Optional[str] = None,
                     metadata: Optional[Mapping[str, Any]] = None,
                     occurred_at: Optional[Timestamp] = None,
                     idempotency_key: Optional[str] = None) -> UsageRecord:
        """``credits_record_usage``: records usage without moving credits (paid by your own
        debit or confirm, named by ``transaction_id`` or ``reservation_id``)."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(UsageRecord, "credits_record_usage", [
            ("account", _TEXT, acct), ("model", _TEXT, model), ("usage_type", _TEXT, usage_type),
            ("endpoint", _TEXT, endpoint), ("context", _TEXT, context),
            *self._usage_args(input_tokens, cached_input_tokens, cache_write_tokens,
                              output_tokens, reasoning_tokens, units, requests),
            ("success", _BOOL, success), ("cost", _NUM, cv.amount(cost, "cost")),
            ("transaction", _TEXT, transaction_id), ("reservation", _TEXT, reservation_id),
            ("description", _TEXT, description), ("metadata", _JSONB, cv.jsonb(metadata)),
            ("occurred_at", _TS, cv.timestamp(occurred_at, "occurred_at")),
            ("idempotency_key", _TEXT, idempotency_key),
        ])

    def charge(self, account: Optional[str] = None, *, model: str,
               account_id: Optional[str] = None, external_id: Optional[str] = None,
               usage_type: Optional[str] = None, input_tokens: Optional[int] = None,
               cached_input_tokens: Optional[int] = None,
               cache_write_tokens: Optional[int] = None, output_tokens: Optional[int] = None,
               reasoning_tokens: Optional[int] = None, units: Optional[Amount] = None,
               requests: Optional[int] = None, idempotency_key: Optional[str] = None,
               reservation_id: Optional[str] = None, endpoint: Optional[str] = None,
               context: Optional[str] = None, success: Optional[bool] = None,
               description: Optional[str] = None, reference: Optional[str] = None,
               metadata: Optional[Mapping[str, Any]] = None,
               occurred_at: Optional[Timestamp] = None,
               on_excess: Optional[str] = None) -> UsageRecord:
        """``credits_charge``: prices usage by the rate card, debits it (or confirms the
        reservation with it) and records it, in one transaction. PriceNotFound,
        InsufficientCredits, AccountNotActive, IdempotencyConflict."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(UsageRecord, "credits_charge", [
            ("account", _TEXT, acct), ("model", _TEXT, _required(model, "model")),
            ("usage_type", _TEXT, usage_type),
            *self._usage_args(input_tokens, cached_input_tokens, cache_write_tokens,
                              output_tokens, reasoning_tokens, units, requests),
            ("idempotency_key", _TEXT, idempotency_key), ("reservation", _TEXT, reservation_id),
            ("endpoint", _TEXT, endpoint), ("context", _TEXT, context),
            ("success", _BOOL, success), ("description", _TEXT, description),
            ("reference", _TEXT, reference), ("metadata", _JSONB, cv.jsonb(metadata)),
            ("occurred_at", _TS, cv.timestamp(occurred_at, "occurred_at")),
            ("on_excess", _TEXT, on_excess),
        ])

    def quote(self, account: Optional[str] = None, *, model: str,
              account_id: Optional[str] = None, external_id: Optional[str] = None,
              usage_type: Optional[str] = None, input_tokens: Optional[int] = None,
              cached_input_tokens: Optional[int] = None, cache_write_tokens: Optional[int] = None,
              output_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
              units: Optional[Amount] = None, requests: Optional[int] = None,
              at: Optional[Timestamp] = None) -> Quote:
        """``credits_quote``: what a charge would cost and debit (reads only)."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Quote, "credits_quote", [
            ("account", _TEXT, acct), ("model", _TEXT, _required(model, "model")),
            ("usage_type", _TEXT, usage_type),
            *self._usage_args(input_tokens, cached_input_tokens, cache_write_tokens,
                              output_tokens, reasoning_tokens, units, requests),
            ("at", _TS, cv.timestamp(at, "at")),
        ])

    def set_price(self, model: str, *, usage_type: Optional[str] = None,
                  input_price: Optional[Amount] = None,
                  cached_input_price: Optional[Amount] = None,
                  cache_write_price: Optional[Amount] = None,
                  output_price: Optional[Amount] = None,
                  reasoning_price: Optional[Amount] = None,
                  request_price: Optional[Amount] = None, unit_price: Optional[Amount] = None,
                  per_tokens: Optional[int] = None, rounding: Optional[str] = None,
                  effective_from: Optional[Timestamp] = None, description: Optional[str] = None,
                  metadata: Optional[Mapping[str, Any]] = None) -> Price:
        """``credits_set_price`` (admin): a version of a model's price. PriceConflict."""
        return self._call_one(Price, "credits_set_price", [
            ("model", _TEXT, _required(model, "model")), ("usage_type", _TEXT, usage_type),
            ("input_price", _NUM, cv.amount(input_price, "input_price")),
            ("cached_input_price", _NUM, cv.amount(cached_input_price, "cached_input_price")),
            ("cache_write_price", _NUM, cv.amount(cache_write_price, "cache_write_price")),
            ("output_price", _NUM, cv.amount(output_price, "output_price")),
            ("reasoning_price", _NUM, cv.amount(reasoning_price, "reasoning_price")),
            ("request_price", _NUM, cv.amount(request_price, "request_price")),
            ("unit_price", _NUM, cv.amount(unit_price, "unit_price")),
            ("per_tokens", _INT, cv.integer(per_tokens, "per_tokens")),
            ("rounding", _TEXT, rounding),
            ("effective_from", _TS, cv.timestamp(effective_from, "effective_from")),
            ("description", _TEXT, description), ("metadata", _JSONB, cv.jsonb(metadata)),
        ])

    def get_usage(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                  external_id: Optional[str] = None, context: Optional[str] = None,
                  model: Optional[str] = None, since: Optional[Timestamp] = None,
                  until: Optional[Timestamp] = None, limit: int = 50,
                  offset: int = 0) -> Page[UsageRecord]:
        """Usage records, newest first, of one account or (no account) the whole tenant:
        ``credits_list_usage`` for the page, a count of ``credits_usage`` for the total."""
        acct = _one_account(account, account_id, external_id, required=False)
        cv.integer(limit, "limit")
        cv.integer(offset, "offset")
        since = cv.timestamp(since, "since")
        until = cv.timestamp(until, "until")
        where = ""
        params: List[Any] = []
        head = ""
        head_params: List[Any] = []
        count_from = "credits_usage x"
        if acct is not None:
            head = 'WITH acct AS (SELECT id FROM credits_get_account("account" => %s)) '
            head_params = [acct]
            count_from = "credits_usage x, acct"
            where += " AND x.account_id = acct.id"
        for column, op, value, cast in (("context", "=", context, ""),
                                        ("model", "=", model, ""),
                                        ("occurred_at", ">=", since, "::timestamptz"),
                                        ("occurred_at", "<", until, "::timestamptz")):
            if value is not None:
                where += f" AND x.{column} {op} %s{cast}"
                params.append(value)
        page_sql, page_params = _call_sql("credits_list_usage", [
            ("account", _TEXT, acct), ("context", _TEXT, context), ("model", _TEXT, model),
            ("since", _TS, since), ("until", _TS, until), ("page_size", _INT, limit),
            ("page_offset", _INT, offset)])
        page = page_sql.replace("SELECT * FROM ", "", 1)
        sql = (f"{head}SELECT c.total_count, u.* FROM "
               f"(SELECT count(*) AS total_count FROM {count_from} WHERE true{where}) c "
               f"LEFT JOIN LATERAL {page} u ON true")
        rows = self._rows(sql, head_params + params + page_params)
        total = rows[0]["total_count"] if rows else 0
        rows = [r for r in rows if r["id"] is not None]
        return self._make_page(UsageRecord, rows, total, limit, offset, None)

    def get_usage_summary(self, context: Optional[str] = None, *,
                          account: Optional[str] = None, account_id: Optional[str] = None,
                          external_id: Optional[str] = None, period: Optional[str] = None,
                          since: Optional[Timestamp] = None, until: Optional[Timestamp] = None,
                          group_by: Optional[Iterable[str]] = None,
                          time_zone: Optional[str] = None,
                          model: Optional[str] = None) -> Tuple[UsageSummary, ...]:
        """``credits_usage_summary``: one row per period (and group), of one account or (no
        account) the whole tenant; this month by default."""
        acct = _one_account(account, account_id, external_id, required=False)
        args: List[Arg] = [
            ("period", _TEXT, period), ("since", _TS, cv.timestamp(since, "since")),
            ("until", _TS, cv.timestamp(until, "until")),
            ("group_by", _TEXTS, cv.text_array(group_by, "group_by")),
            ("time_zone", _TEXT, time_zone), ("context", _TEXT, context), ("model", _TEXT, model),
        ]
        if acct is not None:
            args.insert(0, ("account", _TEXT, acct))
        return self._call_many(UsageSummary, "credits_usage_summary", args)

    # -- batches --------------------------------------------------------------

    def apply_batch(self, ops: Iterable[Dict[str, Any]], *,
                    atomic: bool = True) -> Tuple[BatchResult, ...]:
        """``credits_apply``: many operations in one call and one commit. Each op is a dict
        with ``op`` ('credit', 'debit', 'adjust', 'reserve', 'confirm', 'cancel', 'reverse',
        'transfer', 'charge', 'record_usage') and the function's parameters by name;
        amounts as Decimal/int/str (sent as exact JSON strings). ``atomic=True``: all or
        nothing, the first failure raises; ``atomic=False``: failures are reported per
        operation (``ok``, ``sqlstate``, ``message``)."""
        payload, _ = cv.batch_ops(ops)
        return self._call_many(BatchResult, "credits_apply", [
            ("ops", _JSONB, payload), ("atomic", _BOOL, bool(atomic))])

    # -- alerts, auto-reload, events ------------------------------------------

    def set_alerts(self, account: Optional[str] = None,
                   thresholds: Optional[Iterable[Amount]] = None, *,
                   account_id: Optional[str] = None, external_id: Optional[str] = None,
                   depleted: Optional[bool] = None) -> Alerts:
        """``credits_set_alerts``: low-balance thresholds (``balance.low`` /
        ``balance.recovered`` events) and ``depleted`` (``balance.depleted`` at zero)."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Alerts, "credits_set_alerts", [
            ("account", _TEXT, acct),
            ("thresholds", _NUMS, cv.amounts(thresholds if thresholds is not None else [],
                                             "thresholds")),
            ("depleted", _BOOL, depleted),
        ])

    def get_alerts(self, account: Optional[str] = None, *, account_id: Optional[str] = None,
                   external_id: Optional[str] = None) -> Optional[Alerts]:
        """The account's alert and auto-reload settings, None without any."""
        acct = _one_account(account, account_id, external_id)
        rows = self._rows("SELECT a.* FROM credits_alerts a "
                          "WHERE a.account_id = (SELECT id FROM credits_get_account(\"account\" => %s))",
                          [acct])
        return Alerts._from_row(rows[0]) if rows else None

    def set_auto_reload(self, account: Optional[str] = None, *,
                        account_id: Optional[str] = None, external_id: Optional[str] = None,
                        enabled: Optional[bool] = None, threshold: Optional[Amount] = None,
                        amount: Optional[Amount] = None,
                        target_balance: Optional[Amount] = None,
                        max_per_day: Optional[int] = None, max_per_month: Optional[int] = None,
                        cooldown: Optional[Duration] = None, category: Optional[str] = None,
                        expires_in: Optional[Duration] = None,
                        max_failures: Optional[int] = None) -> Alerts:
        """``credits_set_auto_reload``: below ``threshold`` the account requests a top-up of
        ``amount`` (or up to ``target_balance``) as an ``auto_reload.requested`` event;
        complete it with ``complete_reload``."""
        acct = _one_account(account, account_id, external_id)
        return self._call_one(Alerts, "credits_set_auto_reload", [
            ("account", _TEXT, acct), ("enabled", _BOOL, enabled),
            ("threshold", _NUM, cv.amount(threshold, "threshold")),
            ("amount", _NUM, cv.amount(amount, "amount")),
            ("target_balance", _NUM, cv.amount(target_balance, "target_balance")),
            ("max_per_day", _INT, cv.integer(max_per_day, "max_per_day")),
            ("max_per_month", _INT, cv.integer(max_per_month, "max_per_month")),
            ("cooldown", _DURATION, cv.duration(cooldown, "cooldown")),
            ("category", _TEXT, category),
            ("expires_in", _DURATION, cv.duration(expires_in, "expires_in")),
            ("max_failures", _INT, cv.integer(max_failures, "max_failures")),
        ])

    def complete_reload(self, request_id: str, succeeded: bool, *,
                        payment_reference: Optional[str] = None,
                        failure_reason: Optional[str] = None) -> ReloadRequest:
        """``credits_complete_reload``: success credits the request's amount once (a replay
        returns it with ``replayed=True``). ReloadRequestNotFound, ReloadRequestCompleted."""
        if not isinstance(succeeded, bool):
            raise TypeError("succeeded: a bool")
        return self._call_one(ReloadRequest, "credits_complete_reload", [
            ("request", _TEXT, _required(request_id, "request_id")),
            ("succeeded", _BOOL, succeeded), ("payment_reference", _TEXT, payment_reference),
            ("failure_reason", _TEXT, failure_reason),
        ])

    def create_consumer(self, name: str, types: Optional[Iterable[str]] = None, *,
                        start_at: Optional[str] = None) -> Consumer:
        """``credits_create_consumer``: a named consumer of the tenant's event feed (of some
        ``types``, None: all), from the 'beginning' or 'now'. DuplicateConsumer."""
        return self._call_one(Consumer, "credits_create_consumer", [
            ("name", _TEXT, _required(name, "name")),
            ("types", _TEXTS, cv.text_array(types, "types")), ("start_at", _TEXT, start_at),
        ])

    def drop_consumer(self, name: str) -> bool:
        """``credits_drop_consumer``: False when there was none."""
        rows = self._rows('SELECT credits_drop_consumer("name" => %s) AS dropped',
                          [_required(name, "name")])
        return bool(rows[0]["dropped"])

    def claim_events(self, consumer: str, limit: Optional[int] = None) -> Tuple[Event, ...]:
        """``credits_claim_events``: the next events (at most ``limit``, 1 to 10,000; 100 by
        default) not yet acknowledged, in commit order. Claiming moves nothing: acknowledge
        with ``ack_events``. ConsumerNotFound."""
        return self._call_many(Event, "credits_claim_events", [
            ("consumer", _TEXT, _required(consumer, "consumer")),
            ("max", _INT, cv.integer(limit, "limit")),
        ])

    def ack_events(self, consumer: str, through: Union[str, Event]) -> Consumer:
        """``credits_ack_events``: every event up to and including ``through`` (an id or an
        Event) is done. ConsumerNotFound, EventNotFound."""
        if isinstance(through, Event):
            through = through.id
        return self._call_one(Consumer, "credits_ack_events", [
            ("consumer", _TEXT, _required(consumer, "consumer")),
            ("through", _TEXT, _required(through, "through")),
        ])
