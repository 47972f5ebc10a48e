"""The assignments table every function of :mod:`muffin_analytics` reads.

One row is one assignment of one student.  The loaders
(:mod:`muffin_analytics.load`) and the synthetic cohorts
(:mod:`muffin_analytics.synth`) produce it; :func:`validate` checks it and
:func:`conform` coerces a hand-made frame into it.

Required columns and their dtypes (pandas 3: ``str`` is the default string
dtype, datetimes are microsecond, tz-aware UTC):

==================  =========================  =========================================
column              dtype                      meaning
==================  =========================  =========================================
``student``         ``str``                    student identifier (often a pseudonym)
``course``          ``str``                    course code, e.g. ``"HIST 101"``
``assignment_id``   ``int64`` or ``str``       Canvas assignment id, in the type it came in
``title``           ``str``                    assignment name
``kind``            ``str``                    one of :data:`KINDS`
``unlock_at``       ``datetime64[us, UTC]``    when work may start; ``NaT`` = unknown
``due_at``          ``datetime64[us, UTC]``    deadline; ``NaT`` = undated
``points``          ``float64``                points possible, ``NaN`` = unknown
``submitted``       ``boolean``                ``<NA>`` = unknown (Canvas ICS feeds)
``est_hours``       ``float64``                effort estimate in hours, ``NaN`` = none
==================  =========================  =========================================

Optional columns are listed in :data:`OPTIONAL_COLUMNS` (``tz``,
``description``…).  Rows are never dropped silently anywhere in the package:
functions that leave rows out return them in a *dropped* table built by
:func:`dropped_rows`, with a ``reason`` column.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import SchemaError

__all__ = [
    "KINDS",
    "STUDY_KINDS",
    "work_unlock",
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "DROPPED_COLUMNS",
    "empty",
    "conform",
    "validate",
    "split_dated",
    "dropped_rows",
    "RowReport",
]

KINDS: tuple[str, ...] = (
    "essay",
    "problem_set",
    "quiz",
    "exam",
    "discussion",
    "lab",
    "reading",
    "project",
    "other",
)
"""Assignment kinds understood by :mod:`muffin_analytics.effort`."""

STUDY_KINDS: tuple[str, ...] = ("exam", "quiz")
"""Kinds whose ``unlock_at`` opens the sitting, not the preparation.

Canvas opens a quiz or an exam on the day it is sat, but the studying for it
happens before; plans and load profiles therefore read these rows as having
no unlock date (:func:`work_unlock`)."""

_UTC = "datetime64[us, UTC]"

COLUMNS: dict[str, str] = {
    "student": "str",
    "course": "str",
    "assignment_id": "int64",  # or "str": ids keep the type they came in with
    "title": "str",
    "kind": "str",
    "unlock_at": _UTC,
    "due_at": _UTC,
    "points": "float64",
    "submitted": "boolean",
    "est_hours": "float64",
}
"""Required columns and their declared dtypes."""

OPTIONAL_COLUMNS: dict[str, str] = {
    "tz": "str",  # IANA zone in which the student reads due times
    "description": "str",  # plain text (HTML is stripped by the effort parser)
    "submission_types": "str",  # comma separated Canvas submission types
    "time_limit": "float64",  # quiz/exam time limit in minutes
    "due_all_day": "boolean",  # ICS all-day event: due time was not given
    "submitted_at": _UTC,
    "submission_state": "str",
    "est_low": "float64",
    "est_high": "float64",
    "est_basis": "str",
}
"""Optional columns: used when present, dtypes enforced by :func:`conform`."""

DROPPED_COLUMNS: tuple[str, ...] = ("student", "assignment_id", "title", "course", "code", "reason")
"""Columns of every *dropped rows* table returned by the package."""

_MAX_SHOWN = 5


class RowReport:
    """Rows an operation left out, kept in ``DataFrame.attrs`` safely.

    pandas compares and deep-copies ``attrs`` on many operations; a bare
    DataFrame there makes ``merge``/``concat`` raise ("truth value of a
    DataFrame is ambiguous").  This wrapper compares with
    :meth:`pandas.DataFrame.equals` and is shared, not copied (treat it as
    read-only).

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows, with ``code`` and ``reason`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import RowReport
    >>> r = RowReport(pd.DataFrame({"reason": ["no due date"]}))
    >>> len(r), r == RowReport(r.frame.copy())
    (1, True)
    """

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowReport):
            return NotImplemented
        return self.frame is other.frame or self.frame.equals(other.frame)

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict) -> RowReport:
        return self

    def __copy__(self) -> RowReport:
        return self

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return f"RowReport({len(self.frame)} rows)\n{self.frame!r}"

    def _repr_html_(self) -> str:
        return self.frame._repr_html_()  # type: ignore[operator]


def empty() -> pd.DataFrame:
    """Return an assignments table with no rows and the declared dtypes.

    Returns
    -------
    pandas.DataFrame
        Zero rows, columns :data:`COLUMNS`.

    Examples
    --------
    >>> from muffin_analytics.schema import empty, validate
    >>> validate(empty()).shape
    (0, 10)
    """
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})


def _rows(df: pd.DataFrame, mask: np.ndarray | pd.Series) -> str:
    """Describe up to five offending rows by index label and assignment id."""
    mask = np.asarray(mask, dtype=bool)
    idx = df.index[mask]
    shown = list(idx[:_MAX_SHOWN])
    more = f" and {len(idx) - _MAX_SHOWN} more" if len(idx) > _MAX_SHOWN else ""
    text = f"rows {shown}{more}"
    if "assignment_id" in df.columns:
        ids = list(df.loc[mask, "assignment_id"].iloc[:_MAX_SHOWN])
        text += f" (assignment_id {ids})"
    return text


def _is_text(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.StringDtype):
        return True
    if s.dtype == object:
        values = s.dropna()
        return bool(values.map(type).eq(str).all())
    return False


_TEXT = ("student", "course", "title", "kind", "tz", "description", "submission_types", "submission_state", "est_basis")
_TIMES = ("unlock_at", "due_at", "submitted_at")
_NUMBERS = ("points", "est_hours", "est_low", "est_high", "time_limit")
_FLAGS = ("submitted", "due_all_day")
_UNITS = {"points": "points", "est_hours": "hours", "est_low": "hours", "est_high": "hours", "time_limit": "minutes"}


def _not_numbers(values: pd.Series) -> np.ndarray:
    """Mask of the values that are present but not numbers ("2h", "", a list…)."""
    parsed = pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce")
    return (parsed.isna() & values.notna()).to_numpy(dtype=bool)


def _check_text(df: pd.DataFrame, col: str) -> None:
    if not _is_text(df[col]):
        raise SchemaError(f"column {col!r} must hold strings (dtype 'str'), got {df[col].dtype}")
    if col == "student":
        missing = df["student"].isna().to_numpy()
        if missing.any():
            raise SchemaError(f"column 'student' is missing in {_rows(df, missing)}")
    elif col == "kind":
        bad = ~df["kind"].isin(KINDS).to_numpy()
        if bad.any():
            unknown = sorted({str(k) for k in df.loc[bad, "kind"]})
            raise SchemaError(f"column 'kind' has unknown kinds {unknown[:_MAX_SHOWN]} in {_rows(df, bad)}; known: {list(KINDS)}")
    elif col == "tz":
        for name in df["tz"].dropna().unique():
            try:
                zoneinfo.ZoneInfo(str(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                bad = (df["tz"] == name).to_numpy(dtype=bool)
                raise SchemaError(f"column 'tz' has unknown time zone {name!r} in {_rows(df, bad)}") from exc


def _check_ids(df: pd.DataFrame) -> None:
    ids = df["assignment_id"]
    if not (pd.api.types.is_integer_dtype(ids.dtype) or _is_text(ids)):
        raise SchemaError(
            f"column 'assignment_id' must hold integers (int64) or strings (str), got {ids.dtype}"
        )
    missing = ids.isna().to_numpy()
    if missing.any():
        raise SchemaError(f"column 'assignment_id' is missing in {_rows(df, missing)}")


def _check_time(df: pd.DataFrame, col: str) -> None:
    dtype = df[col].dtype
    if not isinstance(dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(dtype):
            raise SchemaError(
                f"column {col!r} holds naive datetimes; localize them first, e.g. "
                f"df[{col!r}].dt.tz_localize('America/Chicago').dt.tz_convert('UTC')"
            )
        raise SchemaError(f"column {col!r} must be datetime64[us, UTC], got {dtype}; see muffin_analytics.schema.conform")
    if str(dtype.tz) != "UTC":
        raise SchemaError(f"column {col!r} must be in UTC, got {dtype.tz}; use .dt.tz_convert('UTC')")


def _check_number(df: pd.DataFrame, col: str) -> None:
    values = df[col]
    if not pd.api.types.is_float_dtype(values.dtype) or isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        text = _not_numbers(values)
        if text.any():
            shown = [str(v) for v in values[text].iloc[:_MAX_SHOWN]]
            raise SchemaError(f"column {col!r} must hold numbers of {_UNITS[col]} (float64, NaN = unknown), "
                              f"not {shown}: {_rows(df, text)}")
        raise SchemaError(f"column {col!r} must be float64 (NaN = unknown), got {values.dtype}")
    arr = values.to_numpy()
    bad = (arr < 0) | np.isinf(arr)
    if bad.any():
        raise SchemaError(f"column {col!r} must be >= 0 and finite: {_rows(df, bad)}")


def _check_flag(df: pd.DataFrame, col: str) -> None:
    if str(df[col].dtype) != "boolean":
        raise SchemaError(f"column {col!r} must be nullable 'boolean' (<NA> = unknown), got {df[col].dtype}")


def _check_duplicates(df: pd.DataFrame) -> None:
    # Hashing two factorized codes is much cheaper than DataFrame.duplicated on a million rows.
    s_codes, _ = pd.factorize(df["student"])
    a_codes, a_uniq = pd.factorize(df["assignment_id"])
    key = pd.Series(s_codes.astype(np.int64) * max(len(a_uniq), 1) + a_codes)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        raise SchemaError(f"duplicate (student, assignment_id) pairs in {_rows(df, dup)}; each assignment once per student")


def validate(df: pd.DataFrame, *, columns: Iterable[str] | None = None, duplicates: bool = True) -> pd.DataFrame:
    """Check that *df* is an assignments table (or has the columns a function uses); return it unchanged.

    Every compute function of the package calls it on the columns it reads,
    so a malformed table fails with a message naming the column and rows
    instead of giving a silently wrong answer.

    Parameters
    ----------
    df : pandas.DataFrame
        Candidate table.
    columns : iterable of str, optional
        Check only these columns (they must be present).  Default: every
        column of :data:`COLUMNS`, plus the optional columns present.
    duplicates : bool, default True
        Also reject repeated ``(student, assignment_id)`` pairs (when both
        columns are checked).

    Returns
    -------
    pandas.DataFrame
        *df* itself, so calls can be chained.

    Raises
    ------
    SchemaError
        Naming the first problem found and up to five offending rows (index
        labels and assignment ids): a missing column, a wrong dtype, values
        that are not numbers, naive or non-UTC datetimes, negative or
        infinite points or hours, unknown kinds, a missing student or id,
        duplicate ids, unknown time zones.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform, validate
    >>> df = conform(pd.DataFrame({"student": ["s1"], "course": ["HIST 101"],
    ...     "assignment_id": [1], "title": ["Essay 1"], "kind": ["essay"],
    ...     "due_at": [pd.Timestamp("2026-10-09 23:59", tz="UTC")]}))
    >>> validate(df) is df
    True
    >>> bad = df.assign(est_hours=["2h"])
    >>> validate(bad, columns=["student", "est_hours"])
    Traceback (most recent call last):
    ...
    muffin_analytics.errors.SchemaError: column 'est_hours' must hold numbers of hours (float64, NaN = unknown), not ['2h']: rows [0] (assignment_id [1])
    """
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if columns is None:
        wanted = [*COLUMNS, *[c for c in OPTIONAL_COLUMNS if c in df.columns]]
        missing = [c for c in COLUMNS if c not in df.columns]
        hint = f"an assignments table needs {list(COLUMNS)} (use muffin_analytics.schema.conform to add optional ones)"
    else:
        wanted = list(dict.fromkeys(columns))
        missing = [c for c in wanted if c not in df.columns]
        hint = "see muffin_analytics.schema (conform adds defaults)"
    if missing:
        raise SchemaError(f"missing column(s) {missing}; {hint}")
    # Identity first: later messages name rows by assignment id.
    order = sorted(wanted, key=lambda c: (c != "assignment_id", c != "student"))
    for col in order:
        if col == "assignment_id":
            _check_ids(df)
        elif col in _TEXT:
            _check_text(df, col)
        elif col in _TIMES:
            _check_time(df, col)
        elif col in _NUMBERS:
            _check_number(df, col)
        elif col in _FLAGS:
            _check_flag(df, col)
    if duplicates and "student" in wanted and "assignment_id" in wanted:
        _check_duplicates(df)
    return df


_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


def _naive_elements(values: pd.Series) -> np.ndarray:
    """Which present values carry no time zone (strings without an offset, naive datetimes)."""
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, str):
            out[i] = bool(v.strip()) and re.search(_OFFSET, v.strip()) is None
        elif isinstance(v, dt.datetime):
            out[i] = v.tzinfo is None
        elif isinstance(v, np.datetime64):
            out[i] = not np.isnat(v)
    return out


def _parse(values: pd.Series, col: str, *, utc: bool) -> pd.Series:
    try:
        return pd.to_datetime(values, utc=utc, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"column {col!r} has values that are not ISO 8601 datetimes: {exc}") from exc


def _to_utc(values: pd.Series, col: str, naive: str, frame: pd.DataFrame) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(_UTC)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        is_naive = values.notna().to_numpy()
    else:
        is_naive = _naive_elements(values)
    if is_naive.any() and naive != "utc":
        aware = values.notna().to_numpy() & ~is_naive
        what = "mixes naive and tz-aware datetimes; the naive ones are in" if aware.any() else "holds naive datetimes in"
        raise SchemaError(
            f"column {col!r} {what} {_rows(frame, is_naive)}; pass naive='utc' if they are UTC, or localize them "
            "(df[col].dt.tz_localize(zone)) first"
        )
    out = pd.Series(pd.NaT, index=values.index, dtype=_UTC)
    if is_naive.any():
        out[is_naive] = _parse(values[is_naive], col, utc=False).dt.tz_localize("UTC").astype(_UTC)
    rest = ~is_naive & values.notna().to_numpy()
    if rest.any():
        out[rest] = _parse(values[rest], col, utc=True).dt.tz_convert("UTC").astype(_UTC)
    return out


def _to_ids(values: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """Assignment ids keep their type: integers stay int64, anything else becomes text.

    Canvas ids are integers in its REST API but strings with
    ``Accept: application/json+canvas-string-ids`` and in GraphQL; a numeric
    string is an id, not a number, and is never converted.
    """
    missing = values.isna().to_numpy()
    if missing.any():
        raise SchemaError(f"column 'assignment_id' is missing in {_rows(frame, missing)}")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("int64")
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.to_numpy() == np.floor(values.to_numpy())
        if not whole.all():
            raise SchemaError(f"column 'assignment_id' holds fractions in {_rows(frame, ~whole)}; ids are integers or strings")
        return values.astype("int64")
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values.tolist()):
        return values.astype("int64")
    return values.astype("str")


def _to_boolean(values: pd.Series, col: str) -> pd.Series:
    if str(values.dtype) == "boolean":
        return values
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    mapping = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False, "unknown": pd.NA, "": pd.NA}

    def one(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return pd.NA
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)) and v in (0, 1):
            return bool(v)
        key = str(v).strip().lower()
        if key in mapping:
            return mapping[key]
        raise SchemaError(f"column {col!r}: cannot read {v!r} as true/false/unknown")

    return pd.Series([one(v) for v in values], index=values.index, dtype="boolean")


def conform(df: pd.DataFrame, *, naive: str = "raise") -> pd.DataFrame:
    """Coerce a hand-made table to the schema, then :func:`validate` it.

    Missing optional columns are added (``unlock_at`` = ``NaT``, ``points`` and
    ``est_hours`` = ``NaN``, ``submitted`` = ``<NA>``, ``kind`` = ``"other"``,
    ``course``/``title`` = ``""``); datetimes given as strings are parsed as ISO
    8601; tz-aware datetimes are converted to UTC.  Assignment ids keep
    their type: integers become ``int64``, strings (even numeric ones, as
    Canvas sends them with ``application/json+canvas-string-ids``) stay
    ``str``.

    Parameters
    ----------
    df : pandas.DataFrame
        Needs at least ``student``, ``assignment_id`` and ``due_at``.
    naive : {"raise", "utc"}, default "raise"
        What to do with naive datetimes (also one naive value among aware
        ones): raise :class:`SchemaError` naming the rows, or read them as UTC
        (the server's database stores naive UTC).

    Returns
    -------
    pandas.DataFrame
        A new, validated table; the input is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> df = conform(pd.DataFrame({"student": ["s1"], "assignment_id": [7],
    ...     "due_at": ["2026-10-09T23:59:00Z"]}))
    >>> str(df["due_at"].dtype), df.loc[0, "kind"]
    ('datetime64[us, UTC]', 'other')
    """
    if naive not in ("raise", "utc"):
        raise SchemaError(f"naive must be 'raise' or 'utc', got {naive!r}")
    needed = [c for c in ("student", "assignment_id", "due_at") if c not in df.columns]
    if needed:
        raise SchemaError(f"missing column(s) {needed}; conform needs at least student, assignment_id, due_at")
    n = len(df)
    out: dict[str, pd.Series] = {}
    index = df.index
    defaults: dict[str, object] = {"course": "", "title": "", "kind": "other", "points": np.nan, "est_hours": np.nan}
    for col, dtype in {**COLUMNS, **{k: v for k, v in OPTIONAL_COLUMNS.items() if k in df.columns}}.items():
        if col not in df.columns:
            if dtype == _UTC:
                out[col] = pd.Series(pd.NaT, index=index, dtype=_UTC)
            elif dtype == "boolean":
                out[col] = pd.Series(pd.NA, index=index, dtype="boolean")
            else:
                out[col] = pd.Series([defaults[col]] * n, index=index, dtype=dtype)
            continue
        values = df[col]
        if dtype == _UTC:
            out[col] = _to_utc(values, col, naive, df)
        elif dtype == "boolean":
            out[col] = _to_boolean(values, col)
        elif col == "assignment_id":
            out[col] = _to_ids(values, df)
        elif dtype == "float64":
            bad = _not_numbers(values)
            if bad.any():
                shown = [str(v) for v in values[bad].iloc[:_MAX_SHOWN]]
                raise SchemaError(f"column {col!r} must hold numbers of {_UNITS[col]}, not {shown}: {_rows(df, bad)}")
            out[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            out[col] = values.astype("str")
    extra = [c for c in df.columns if c not in out]
    frame = pd.DataFrame(out, index=index)
    for c in extra:
        frame[c] = df[c]
    return validate(frame)


def dropped_rows(
    df: pd.DataFrame,
    mask: np.ndarray | pd.Series | None,
    reason: str | Iterable[str],
    code: str = "dropped",
) -> pd.DataFrame:
    """Build a *dropped rows* table: who, which assignment, and why.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments table.
    mask : array of bool or None
        Rows that were left out (``None`` = all rows of *df*).
    reason : str or array of str
        Human-readable reason, one for all rows or one per selected row.
    code : str
        Machine-readable reason, e.g. ``"undated"``, ``"past_due"``,
        ``"unschedulable"``, ``"submitted"``, ``"no_estimate"``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DROPPED_COLUMNS`, index of *df* kept for lookup.

    Examples
    --------
    >>> from muffin_analytics.schema import empty, dropped_rows
    >>> list(dropped_rows(empty(), None, "no due date").columns)
    ['student', 'assignment_id', 'title', 'course', 'code', 'reason']
    """
    sub = df if mask is None else df.loc[np.asarray(mask, dtype=bool)]
    out = pd.DataFrame(index=sub.index)
    for col in DROPPED_COLUMNS[:-2]:
        if col in sub.columns:
            out[col] = sub[col]
        else:
            out[col] = pd.Series(pd.NA, index=sub.index, dtype="object")
    out["code"] = pd.Series(code, index=sub.index, dtype="str")
    if isinstance(reason, str):
        out["reason"] = pd.Series(reason, index=sub.index, dtype="str")
    else:
        out["reason"] = pd.Series(list(reason), index=sub.index, dtype="str")
    return out


def work_unlock(df: pd.DataFrame) -> pd.Series:
    """When work on each row may start: ``unlock_at``, except ``NaT`` for :data:`STUDY_KINDS`.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments table (``unlock_at``; ``kind`` when present).

    Returns
    -------
    pandas.Series
        ``datetime64[us, UTC]``; ``NaT`` = no bound (the plan's start, or a
        default lead before the work day).

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform, work_unlock
    >>> df = conform(pd.DataFrame({"student": ["s", "s"], "assignment_id": [1, 2],
    ...     "kind": ["exam", "essay"], "unlock_at": ["2026-10-09T14:00:00Z"] * 2,
    ...     "due_at": ["2026-10-09T16:00:00Z"] * 2}))
    >>> work_unlock(df).isna().tolist()  # the exam's study starts before it opens
    [True, False]
    """
    unlock = df["unlock_at"]
    if "kind" not in df.columns:
        return unlock
    return unlock.where(~df["kind"].isin(STUDY_KINDS).to_numpy())


def split_dated(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Separate undated assignments, which no plan or load curve can place.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments table.

    Returns
    -------
    dated : pandas.DataFrame
        Rows with a ``due_at``.
    dropped : pandas.DataFrame
        The other rows as a :func:`dropped_rows` table, reason ``"no due date"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform, split_dated
    >>> df = conform(pd.DataFrame({"student": ["s", "s"], "assignment_id": [1, 2],
    ...     "due_at": ["2026-10-09T23:59:00Z", None]}))
    >>> dated, dropped = split_dated(df)
    >>> len(dated), dropped["reason"].tolist()
    (1, ['no due date'])
    """
    undated = df["due_at"].isna().to_numpy()
    return df.loc[~undated], dropped_rows(df, undated, "no due date", code="undated")
