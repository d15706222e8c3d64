"""Turning what a model server has in hand into the JSON records Warden takes.

NaN and infinities become missing values; numpy scalars and arrays, pandas Series, rows,
``NA``/``NaT`` and timestamps are accepted when those libraries are installed, found by duck
typing so that neither is imported here.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import uuid
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

JsonValue = Union[None, bool, int, float, str, List[Any], Dict[str, Any]]

#: Marks a value that is missing (None, NaN, ±inf, pandas NA/NaT).
MISSING: Any = object()

#: Keys inside which a missing value is kept as ``null`` (a missing feature is data:
#: its rate is monitored); elsewhere the key is left out.
_NULL_KEEPING = frozenset({"features"})


class UnsupportedValue(ValueError):
    """A value with no JSON form; ``field`` is its path inside the record."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _iso(value: Union[_dt.datetime, _dt.date]) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            # A naive time is taken as UTC, the only zone Warden stores.
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _is_pandas_missing(value: Any) -> bool:
    name = type(value).__name__
    return name in ("NAType", "NaTType") and type(value).__module__.startswith("pandas")


def normalize(value: Any, path: str = "", keep_null: bool = False) -> Any:
    """Returns the JSON form of ``value``, or :data:`MISSING`. Raises :class:`UnsupportedValue`."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, (_dt.datetime, _dt.date)):
        if type(value).__module__.startswith("pandas") and _is_pandas_missing(value):
            return MISSING
        return _iso(value)
    if isinstance(value, decimal.Decimal):
        return normalize(float(value), path, keep_null)
    if isinstance(value, uuid.UUID):
        return str(value)
    if _is_pandas_missing(value):
        return MISSING
    module = type(value).__module__ or ""
    if module.startswith("numpy") or module.startswith("pandas"):
        # numpy scalars (float64, int64, bool_, str_, datetime64) have item(); arrays have tolist().
        if hasattr(value, "to_dict") and callable(value.to_dict):
            return normalize(value.to_dict(), path, keep_null)
        if hasattr(value, "tolist") and getattr(value, "ndim", 0) != 0:
            return normalize(value.tolist(), path, keep_null)
        if hasattr(value, "item"):
            item = value.item()
            if item is value:
                raise UnsupportedValue(path or "record", f"cannot send a {type(value).__name__}")
            if isinstance(item, int) and type(value).__name__.startswith("datetime64"):
                # datetime64 in nanoseconds comes back as an int: make it a time.
                return _iso(_dt.datetime.fromtimestamp(item / 1e9, tz=_dt.timezone.utc))
            return normalize(item, path, keep_null)
        if hasattr(value, "isoformat"):
            return str(value.isoformat())
    if isinstance(value, Mapping):
        return _normalize_mapping(value, path, keep_null)
    if isinstance(value, (list, tuple)):
        out = []
        for i, v in enumerate(value):
            n = normalize(v, f"{path}[{i}]", True)
            out.append(None if n is MISSING else n)
        return out
    raise UnsupportedValue(path or "record", f"cannot send a {type(value).__name__} as JSON")


def _normalize_mapping(value: Mapping[Any, Any], path: str, keep_null: bool) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, v in value.items():
        name = str(key)
        child = f"{path}.{name}" if path else name
        n = normalize(v, child, name in _NULL_KEEPING)
        if n is MISSING:
            if keep_null:
                out[name] = None
            continue
        out[name] = n
    return out


def rows_of(records: Any) -> Iterable[Any]:
    """A single record, a list of records, or a pandas DataFrame (one record per row)."""
    if isinstance(records, Mapping):
        return [records]
    if hasattr(records, "to_dict") and hasattr(records, "columns"):
        return records.to_dict(orient="records")  # type: ignore[no-any-return]
    return records  # type: ignore[no-any-return]


def now_iso() -> str:
    return _iso(_dt.datetime.now(tz=_dt.timezone.utc))


def prepare(
    kind: str, record: Any
) -> Tuple[Optional[Dict[str, Any]], Optional[UnsupportedValue]]:
    """The JSON form of one record of ``kind``, ready to buffer, or why it cannot be sent.

    An inference record without an ``id`` gets a random one (so a retry cannot store it twice)
    and one without a ``timestamp`` gets the time it was logged (it may be sent seconds later).
    """
    if not isinstance(record, Mapping) and not (hasattr(record, "to_dict") and callable(record.to_dict)):
        return None, UnsupportedValue("", f"expected a mapping, got a {type(record).__name__}")
    try:
        out = normalize(record)
    except UnsupportedValue as error:
        return None, error
    if not isinstance(out, dict):
        return None, UnsupportedValue("", f"expected a mapping, got a {type(record).__name__}")
    if kind == "inferences":
        if "id" not in out:
            out["id"] = uuid.uuid4().hex
        if "timestamp" not in out:
            out["timestamp"] = now_iso()
    return out, None
