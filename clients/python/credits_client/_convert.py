"""Conversions of arguments: exact amounts, intervals, JSON."""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from psycopg.types.json import Jsonb

from .types import _iso_duration

Amount = Union[Decimal, int, str]
Duration = Union[_dt.timedelta, str]


def amount(value: Any, name: str = "amount") -> Optional[Decimal]:
    """Decimal, int or str to Decimal; float (inexact) and bool are refused with TypeError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{name}: a bool is not an amount")
    if isinstance(value, float):
        raise TypeError(f"{name}: floats are not accepted, they are not exact "
                        f"(pass Decimal('...'), an int or a str): {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{name}: not a number: {value!r}") from None
    raise TypeError(f"{name}: expected Decimal, int or str, not {type(value).__name__}")


def amounts(values: Iterable[Any], name: str) -> List[Decimal]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name}: expected a sequence of amounts")
    out = []
    for v in values:
        d = amount(v, name)
        if d is None:
            raise TypeError(f"{name}: None is not an amount")
        out.append(d)
    return out


def integer(value: Any, name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, not {type(value).__name__}")
    return value


def duration(value: Any, name: str) -> Optional[str]:
    """timedelta or str ('30 days', 'P30D') to a string the server parses.

    Sent untyped, so it fits an interval parameter and an ISO 8601 text one alike."""
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{name}: expected a timedelta or a str such as '30 days' or 'P30D'")


def timestamp(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, (_dt.datetime, str)):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    raise TypeError(f"{name}: expected a datetime or an ISO 8601 str")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


dumps = partial(json.dumps, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def json_loads(data: Union[str, bytes]) -> Any:
    """jsonb results: numbers with a fraction or an exponent as Decimal, never float."""
    return json.loads(data, parse_float=Decimal)


def jsonb(value: Any) -> Optional[Jsonb]:
    """A dict (or any JSON value) as jsonb; Decimal, datetime and UUID become strings."""
    if value is None:
        return None
    return Jsonb(value, dumps=dumps)


def text_array(values: Any, name: str) -> Optional[List[str]]:
    if values is None:
        return None
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"{name}: expected a list of str")
    out = list(values)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{name}: expected a list of str")
    return out


# Fields of batch operations that are amounts (JSON strings, exact) or whole numbers.
_BATCH_AMOUNTS = frozenset({"amount", "units", "cost"})
_BATCH_JSON_ANY = frozenset({"metadata"})


def batch_ops(ops: Iterable[Dict[str, Any]]) -> Tuple[Jsonb, int]:
    """The operations of credits_apply as jsonb: amounts as exact strings, no floats."""
    if isinstance(ops, (str, bytes, dict)) or not isinstance(ops, Iterable):
        raise TypeError("ops: expected a list of dicts")
    out = []
    for i, op in enumerate(ops):
        if not isinstance(op, dict):
            raise TypeError(f"ops[{i}]: expected a dict, not {type(op).__name__}")
        converted: Dict[str, Any] = {}
        for key, value in op.items():
            where = f"ops[{i}].{key}"
            if key in _BATCH_AMOUNTS and value is not None:
                converted[key] = str(amount(value, where))
            elif key in _BATCH_JSON_ANY:
                converted[key] = value
            elif isinstance(value, float):
                raise TypeError(f"{where}: floats are not accepted (not exact): {value!r}")
            elif isinstance(value, _dt.timedelta):
                converted[key] = _iso_duration(value)
            else:
                converted[key] = value
        out.append(converted)
    return Jsonb(out, dumps=dumps), len(out)
