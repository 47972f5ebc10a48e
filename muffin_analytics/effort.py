"""Effort estimates: how many hours each assignment takes.

The default model reads a length from the title and description when it can
("Read pp. 45–92", "1500-word essay", "5 pages") and converts it with the
Rice/Wake Forest rates; otherwise it falls back to a per-kind budget scaled by
points.  Every number comes from the rate table (:mod:`muffin_analytics.rates`).
Estimates are ranges: ``est_low``–``est_high`` come from the rule itself where
the research gives one (reading: no vs many new concepts; writing: no vs
extensive drafting), else 0.5×–2× of ``est_hours``.

Students differ a lot (docs/workload-research.md §2, Kember 1996), so :func:`calibrate`
learns multipliers per kind and per course and kind from the hours a student
gave (their corrected estimates), shrunk toward the default while they are
few, and an ``est_hours`` already present in the table (a user override) wins.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, SchemaError
from .rates import rates_dict
from .schema import KINDS, validate

__all__ = [
    "EffortModel",
    "default_model",
    "classify_kind",
    "classify_kinds",
    "parse_lengths",
    "estimate",
    "calibrate",
]

# Order matters: the first matching rule wins ("Lab report" is a lab, "Final
# exam review quiz" an exam).
_KIND_RULES: tuple[tuple[str, str], ...] = (
    ("exam", r"\b(?:exams?|midterms?|mid-terms?|test)\b"),
    ("quiz", r"\bquiz(?:zes)?\b"),
    ("discussion", r"\b(?:discussions?|forum|post|reply|replies|respond)\b"),
    ("lab", r"\b(?:labs?|laboratory)\b"),
    ("project", r"\b(?:project|presentation|proposal|portfolio|capstone)\b"),
    ("essay", r"\b(?:essay|paper|reflection|report|memo|write-?up|thesis|composition)\b"),
    ("problem_set", r"\b(?:problem sets?|psets?|p-sets?|homework|hw\s?\d*|exercises?|worksheet|problems)\b"),
    ("reading", r"\b(?:read|reading|readings|chapters?|ch\.|pp\.)"),
)

_TAGS = re.compile(r"<[^>]+>")
_PAGE_RANGE = r"\b(?:pp?\.?|pages?)\s*(\d{1,4})\s*(?:-|–|—|to)\s*(\d{1,4})\b"
_PAGE_COUNT = r"\b(\d{1,4})\s*-?\s*(?:pages?|pp)\b"
_WORD_COUNT = r"\b(\d{1,3}(?:,\d{3})+|\d{2,6})\s*-?\s*words?\b"
_MINUTES = r"\b(\d{1,3})\s*-?\s*(?:minutes?|mins?)\b"

_BUDGET_KINDS = ("problem_set", "lab", "project", "other")


@dataclasses.dataclass(frozen=True)
class EffortModel:
    """Parameters of the effort estimate.

    Parameters
    ----------
    rates : Mapping[str, float]
        The rate table as ``{rate: value}`` (see :mod:`muffin_analytics.rates`).
    multipliers : Mapping[str, float]
        Per-kind factors applied last (1.0 = use the rates as they are);
        :func:`calibrate` fits them.
    course_multipliers : Mapping[tuple[str, str], float]
        Per ``(course, kind)`` factors, used instead of the kind's where
        present (:func:`calibrate` fits them too).
    notes : Mapping[tuple[str, str], str]
        What each fitted factor rests on, keyed like *course_multipliers*
        (course ``""`` = the kind over all courses); appended to
        ``est_basis`` by :func:`estimate`.
    reading_purpose : {"survey", "understand", "engage"}
    words_per_page : {450, 600, 750}
        Page density of the reading (paperback, monograph, textbook).
    concepts : {"none", "some", "many"}
        New concepts in the reading.
    writing_genre : {"reflection", "argument", "research"}
    writing_density : {250, 500}
        Words per written page (double or single spaced).
    drafting : {"none", "minimal", "extensive"}

    Examples
    --------
    >>> from muffin_analytics.effort import EffortModel
    >>> EffortModel.default().reading_rate()
    18.0
    """

    rates: Mapping[str, float]
    multipliers: Mapping[str, float] = dataclasses.field(default_factory=lambda: {k: 1.0 for k in KINDS})
    course_multipliers: Mapping[tuple[str, str], float] = dataclasses.field(default_factory=dict)
    notes: Mapping[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    reading_purpose: str = "understand"
    words_per_page: int = 600
    concepts: str = "some"
    writing_genre: str = "argument"
    writing_density: int = 250
    drafting: str = "minimal"

    @classmethod
    def default(cls, rates_path: str | Path | None = None) -> EffortModel:
        """The default model, optionally with an edited rate table."""
        return cls(rates=rates_dict(rates_path))

    def rate(self, name: str) -> float:
        """One rate by name; :class:`InputError` if the table lacks it."""
        try:
            return float(self.rates[name])
        except KeyError:
            raise InputError(f"rate table has no rate {name!r}") from None

    def reading_rate(self, concepts: str | None = None) -> float:
        """Pages per hour for this model's reading settings."""
        return self.rate(f"reading.{self.reading_purpose}.{self.words_per_page}.{concepts or self.concepts}")

    def writing_rate(self, drafting: str | None = None) -> float:
        """Hours per page for this model's writing settings."""
        return self.rate(f"writing.{self.writing_genre}.{self.writing_density}.{drafting or self.drafting}")

    def multiplier(self, kind: str, course: str | None = None) -> float:
        """Calibration factor of *kind* (in *course*, if fitted there); 1.0 when never calibrated."""
        if course is not None and (course, kind) in self.course_multipliers:
            return float(self.course_multipliers[(course, kind)])
        return float(self.multipliers.get(kind, 1.0))

    def with_multipliers(self, multipliers: Mapping[str, float]) -> EffortModel:
        """A copy whose multipliers are updated with *multipliers*."""
        bad = {k: v for k, v in multipliers.items() if k not in KINDS or not np.isfinite(v) or v <= 0}
        if bad:
            raise InputError(f"multipliers must be positive and per known kind, got {bad}")
        return dataclasses.replace(self, multipliers={**dict(self.multipliers), **dict(multipliers)})


def default_model() -> EffortModel:
    """The packaged model: :meth:`EffortModel.default`.

    Examples
    --------
    >>> from muffin_analytics.effort import default_model
    >>> default_model().writing_rate()  # hours per page: argument, 250 words/page, minimal drafting
    2.0
    """
    return EffortModel.default()


def _text(titles: pd.Series, descriptions: pd.Series | None) -> pd.Series:
    text = titles.fillna("").astype("str")
    if descriptions is not None:
        desc = descriptions.fillna("").astype("str").str.replace(_TAGS, " ", regex=True)
        text = text + " \n " + desc
    return text.str.lower()


def classify_kinds(
    titles: pd.Series,
    submission_types: pd.Series | None = None,
    descriptions: pd.Series | None = None,
) -> pd.Series:
    """Vectorised :func:`classify_kind` over aligned Series.

    Parameters
    ----------
    titles : pandas.Series of str
    submission_types : pandas.Series of str, optional
        Comma-separated Canvas submission types per row.
    descriptions : pandas.Series of str, optional
        HTML or plain text.

    Returns
    -------
    pandas.Series of str
        One of :data:`muffin_analytics.schema.KINDS` per row.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.effort import classify_kinds
    >>> classify_kinds(pd.Series(["Lab report 2", "Week 3", "Week 4"]),
    ...     pd.Series(["", "online_quiz", "discussion_topic"])).tolist()
    ['lab', 'quiz', 'discussion']
    """
    titles = pd.Series(titles)
    types = (
        pd.Series("", index=titles.index, dtype="str")
        if submission_types is None
        else pd.Series(submission_types, index=titles.index).fillna("").astype("str").str.lower()
    )
    descriptions = pd.Series("", index=titles.index, dtype="str") if descriptions is None else pd.Series(descriptions, index=titles.index)
    # Classify each distinct (title, types, description) once.
    keys = pd.DataFrame({"t": titles.fillna("").astype("str"), "s": types, "d": descriptions.fillna("").astype("str")})
    codes, uniq = _factorize_rows(keys)
    title_text = _text(uniq["t"], None)
    full_text = _text(uniq["t"], uniq["d"])
    conditions = []
    choices = []
    # The title decides first; the description only when the title says nothing.
    for text in (title_text, full_text):
        for kind, pattern in _KIND_RULES:
            conditions.append(text.str.contains(pattern, regex=True).to_numpy(dtype=bool))
            choices.append(kind)
        if text is title_text:
            conditions.append(uniq["s"].str.contains("online_quiz", regex=False).to_numpy(dtype=bool))
            choices.append("quiz")
            conditions.append(uniq["s"].str.contains("discussion_topic", regex=False).to_numpy(dtype=bool))
            choices.append("discussion")
    kinds = np.select(conditions, choices, default="other") if len(uniq) else np.array([], dtype=object)
    return pd.Series(np.asarray(kinds, dtype=object)[codes] if len(codes) else [], index=titles.index, dtype="str")


def _factorize_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Codes of the distinct rows of *keys* and those rows (in first-seen order)."""
    joined = keys.iloc[:, 0]
    for col in keys.columns[1:]:
        joined = joined + "\x1f" + keys[col]
    codes, uniques = pd.factorize(joined)
    first = np.zeros(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes, keys.iloc[first].reset_index(drop=True)


def classify_kind(title: str, submission_types: object = None, description: str | None = None) -> str:
    """Guess an assignment's kind from its title, Canvas submission types and description.

    Parameters
    ----------
    title : str
        Assignment name.
    submission_types : str or list of str, optional
        Canvas ``submission_types`` (``online_quiz`` → quiz,
        ``discussion_topic`` → discussion when the title is silent).
    description : str, optional
        HTML or plain text; consulted only if the title and types say nothing.

    Returns
    -------
    str
        One of :data:`muffin_analytics.schema.KINDS`.

    Examples
    --------
    >>> from muffin_analytics.effort import classify_kind
    >>> classify_kind("Essay 2: the French Revolution")
    'essay'
    >>> classify_kind("Week 3", ["online_quiz"])
    'quiz'
    >>> classify_kind("Week 3", None, "Read pp. 45-92 of the textbook")
    'reading'
    """
    if isinstance(submission_types, (list, tuple)):
        submission_types = ",".join(str(t) for t in submission_types)
    kinds = classify_kinds(
        pd.Series([title or ""], dtype="str"),
        pd.Series([submission_types or ""], dtype="str"),
        pd.Series([description or ""], dtype="str"),
    )
    return str(kinds.iloc[0])


def _to_number(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce").to_numpy(dtype="float64")


def parse_lengths(titles: pd.Series, descriptions: pd.Series | None = None) -> pd.DataFrame:
    """Read page ranges, page counts, word counts and minutes from text.

    Parameters
    ----------
    titles, descriptions : pandas.Series of str
        Descriptions may be HTML; tags are removed.

    Returns
    -------
    pandas.DataFrame
        Float columns ``range_pages`` ("pp. 45–92" → 48, inclusive),
        ``pages`` ("5 pages", "5-page"), ``words`` ("1,500 words"),
        ``minutes``; ``NaN`` where nothing was found.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.effort import parse_lengths
    >>> parse_lengths(pd.Series(["Read pp. 45–92", "1500-word essay", "5-page paper"])).fillna(0).to_dict("list")
    {'range_pages': [48.0, 0.0, 0.0], 'pages': [0.0, 0.0, 5.0], 'words': [0.0, 1500.0, 0.0], 'minutes': [0.0, 0.0, 0.0]}
    """
    titles = pd.Series(titles)
    # Titles repeat across the students of a section: parse each text once.
    codes, uniques = pd.factorize(_text(titles, descriptions))
    text = pd.Series(uniques, dtype="str")
    rng = text.str.extract(_PAGE_RANGE)
    first = _to_number(rng[0])
    last = _to_number(rng[1])
    range_pages = np.where(last >= first, last - first + 1, np.nan)
    parsed = np.column_stack(
        [
            range_pages,
            _to_number(text.str.extract(_PAGE_COUNT)[0]),
            _to_number(text.str.extract(_WORD_COUNT)[0]),
            _to_number(text.str.extract(_MINUTES)[0]),
        ]
    ) if len(text) else np.zeros((0, 4))
    rows = parsed[codes] if len(codes) else np.zeros((0, 4))
    return pd.DataFrame(rows, columns=["range_pages", "pages", "words", "minutes"], index=titles.index)


def _optional(df: pd.DataFrame, col: str) -> pd.Series | None:
    return df[col] if col in df.columns else None


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _labels(values: np.ndarray, fmt) -> np.ndarray:
    """Text per value, formatting each distinct value once (NaN gives "")."""
    uniq, inv = np.unique(values, return_inverse=True)
    text = np.array(["" if np.isnan(v) else fmt(float(v)) for v in uniq], dtype=object)
    return text[inv.reshape(-1)] if len(values) else np.zeros(0, dtype=object)


def estimate(df: pd.DataFrame, model: EffortModel | None = None, *, overwrite: bool = False) -> pd.DataFrame:
    """Estimate hours per assignment.

    Parameters
    ----------
    df : pandas.DataFrame
        Assignments table (needs ``kind``, ``title``, ``points``; uses
        ``description``, ``time_limit``, ``submission_types`` when present).
    model : EffortModel, optional
        Default: :meth:`EffortModel.default`.
    overwrite : bool, default False
        Replace ``est_hours`` values already present.  By default they are
        user overrides and kept (``est_basis`` = ``"given"``).

    Returns
    -------
    pandas.DataFrame
        A copy of *df* with float columns ``est_hours``, ``est_low``,
        ``est_high`` (hours) and a text column ``est_basis`` saying which rule
        produced the number.

    Rules (rates from the table, × the model's per-kind multiplier):

    * reading: pages ÷ pages-per-hour; range from "no" to "many" new concepts;
    * essay: pages (or words ÷ 250) × hours-per-page; range from no to
      extensive drafting;
    * discussion: words ÷ 250 h, or video minutes ÷ 3 h;
    * exam: 5 h study + the time limit for online exams;
    * quiz: 1 h + the time limit (30 min if unknown);
    * problem_set, lab, project, other: a budget × (points ÷ reference)^0.5,
      clipped to 0.5–2×.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.effort import estimate
    >>> df = conform(pd.DataFrame({"student": ["s"], "assignment_id": [1],
    ...     "title": ["Read pp. 1-36"], "kind": ["reading"],
    ...     "due_at": ["2026-10-09T23:59:00Z"]}))
    >>> float(estimate(df)["est_hours"].iloc[0])  # 36 pages at 18 pages/hour
    2.0
    """
    model = model or EffortModel.default()
    optional = ("assignment_id", "course", "points", "est_hours", "time_limit", "description", "submission_types")
    validate(df, columns=["kind", "title", *[c for c in optional if c in df.columns]], duplicates=False)
    n = len(df)
    kind = df["kind"].to_numpy(dtype=object)
    lengths = parse_lengths(df["title"], _optional(df, "description"))
    r = model.rate
    wpp = r("writing.words_per_page")
    hours = np.full(n, np.nan)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    basis = np.full(n, "", dtype=object)

    def put(mask: np.ndarray, h: np.ndarray | float, lo: np.ndarray | float | None, hi: np.ndarray | float | None, why: np.ndarray | str) -> None:
        mask = mask & np.isnan(hours)
        if not mask.any():
            return
        h = np.broadcast_to(np.asarray(h, dtype=float), (n,))
        hours[mask] = h[mask]
        if lo is not None:
            low[mask] = np.broadcast_to(np.asarray(lo, dtype=float), (n,))[mask]
            high[mask] = np.broadcast_to(np.asarray(hi, dtype=float), (n,))[mask]
        basis[mask] = np.broadcast_to(np.asarray(why, dtype=object), (n,))[mask]

    # Reading: page range first, then an explicit page count.
    read_pages = np.where(np.isnan(lengths["range_pages"]), lengths["pages"], lengths["range_pages"])
    is_reading = kind == "reading"
    has = is_reading & ~np.isnan(read_pages)
    rate = model.reading_rate()
    put(
        has,
        read_pages / rate,
        read_pages / model.reading_rate("none"),
        read_pages / model.reading_rate("many"),
        _labels(read_pages, lambda v: f"reading: {v:.0f} pages at {_fmt(rate)} pages/h"),
    )
    dp = r("reading.default_pages")
    put(is_reading, dp / rate, None, None, f"reading: no page count found, assumed {dp:g} pages at {_fmt(rate)} pages/h")

    # Essays: pages, else words converted to pages.
    write_pages = np.where(np.isnan(lengths["pages"]), lengths["words"] / wpp, lengths["pages"])
    is_essay = kind == "essay"
    has = is_essay & ~np.isnan(write_pages)
    wr = model.writing_rate()
    put(
        has,
        write_pages * wr,
        write_pages * model.writing_rate("none"),
        write_pages * model.writing_rate("extensive"),
        _labels(write_pages, lambda v: f"essay: {v:.3g} pages at {_fmt(wr)} h/page"),
    )
    ep = r("essay.default_pages")
    put(is_essay, ep * wr, None, None, f"essay: no length found, assumed {ep:g} pages at {_fmt(wr)} h/page")

    # Discussions: a text post by words, an audio/video post by minutes.
    is_disc = kind == "discussion"
    words = lengths["words"].to_numpy()
    put(is_disc & ~np.isnan(words), words / r("discussion.words_per_hour"), None, None,
        f"discussion: words / {r('discussion.words_per_hour'):g} per hour")
    minutes = lengths["minutes"].to_numpy()
    put(is_disc & ~np.isnan(minutes), minutes / r("discussion.video_minutes_per_hour"), None, None,
        f"discussion: video minutes / {r('discussion.video_minutes_per_hour'):g}")
    dw = r("discussion.default_words")
    put(is_disc, dw / r("discussion.words_per_hour"), None, None, f"discussion: assumed {dw:g} words")

    # Exams and quizzes: preparation plus the time limit.
    limit = (
        pd.to_numeric(df["time_limit"], errors="coerce").to_numpy(dtype=float)
        if "time_limit" in df.columns
        else np.full(n, np.nan)
    )
    types = df["submission_types"].fillna("").astype("str") if "submission_types" in df.columns else pd.Series("", index=df.index)
    online = types.str.contains("online", regex=False).to_numpy(dtype=bool)
    is_exam = kind == "exam"
    exam_limit = np.where(np.isnan(limit), np.where(online, r("exam.time_limit_minutes"), 0.0), limit)
    put(is_exam, r("exam.study_hours") + exam_limit / 60.0, None, None,
        f"exam: {r('exam.study_hours'):g} h study + time limit")
    is_quiz = kind == "quiz"
    quiz_limit = np.where(np.isnan(limit), r("quiz.time_limit_minutes"), limit)
    put(is_quiz, r("quiz.study_hours") + quiz_limit / 60.0, None, None,
        f"quiz: {r('quiz.study_hours'):g} h preparation + time limit")

    # Kinds with no per-item norm: a budget scaled gently by points.
    points = pd.to_numeric(df["points"], errors="coerce").to_numpy(dtype=float) if "points" in df.columns else np.full(n, np.nan)
    for k in _BUDGET_KINDS:
        is_k = kind == k
        if not is_k.any():
            continue
        ref = r(f"{k}.reference_points")
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.clip((points / ref) ** r("points.exponent"), r("points.min_factor"), r("points.max_factor"))
        factor = np.where(np.isnan(points) | (points <= 0), 1.0, factor)
        put(is_k, r(f"{k}.hours") * factor, None, None, f"{k}: {r(f'{k}.hours'):g} h budget scaled by points")

    mult = pd.Series(kind, dtype=object).map({k: model.multiplier(k) for k in KINDS}).to_numpy(dtype=float, copy=True)
    note = np.full(n, "", dtype=object)
    for (course, k), text in model.notes.items():
        if not course:
            note[kind == k] = text
    if model.course_multipliers and "course" in df.columns:
        courses = df["course"].astype("str").to_numpy(dtype=object)
        for (course, k), value in model.course_multipliers.items():
            here = (kind == k) & (courses == course)
            mult[here] = value
            note[here] = model.notes.get((course, k), "")
    no_range = np.isnan(low)
    low = np.where(no_range, hours * r("range.low_factor"), low) * mult
    high = np.where(no_range, hours * r("range.high_factor"), high) * mult
    hours = hours * mult
    calibrated = mult != 1.0
    if calibrated.any():
        label = _labels(mult, lambda v: f" × {v:.3g}")
        basis = np.where(calibrated, basis + label + np.where(note != "", " (" + note + ")", " (calibrated)"), basis)

    out = df.copy()
    if "est_hours" in df.columns and not overwrite:
        given = df["est_hours"].to_numpy(dtype=float)
        keep = ~np.isnan(given)
        hours = np.where(keep, given, hours)
        low = np.where(keep, given, low)
        high = np.where(keep, given, high)
        basis = np.where(keep, "given", basis)
    out["est_hours"] = hours.astype("float64")
    out["est_low"] = low.astype("float64")
    out["est_high"] = high.astype("float64")
    out["est_basis"] = pd.Series(basis, index=df.index, dtype="str")
    return out


PRIOR_ESTIMATES: float = 3.0
"""How many corrected estimates the population default counts for in :func:`calibrate`."""

#: Spread of one assignment's log(actual ÷ estimate): the rate table's 0.5–2× range as a 90 % interval.
_LOG_SD = float(np.log(2.0) / 1.645)
_Z90 = 1.645


def calibrate(
    df: pd.DataFrame,
    observed_hours: pd.Series | Mapping[object, float] | str,
    model: EffortModel | None = None,
    *,
    prior_strength: float = PRIOR_ESTIMATES,
) -> EffortModel:
    """Fit a student's effort multipliers per kind and per course and kind, shrunk toward the default.

    Each observation is r = log(observed ÷ model estimate).  A kind's log
    multiplier is the mean r of its observations with *prior_strength*
    pseudo-observations of 0 (the population default, ×1) added:
    m = Σr ÷ (n + k), so one corrected estimate moves it a little and twenty
    move it almost all the way (empirical Bayes with a normal prior; a
    student's own numbers win as they accumulate).  Each ``(course, kind)``
    with observations is shrunk the same way toward what the student's
    *other* courses say of that kind (×1 when there are none), so the
    courses without observations get the kind's multiplier and no
    observation counts twice.
    The 90 % range is exp(m ± 1.645 σ ÷ √(n + k)), with σ the spread the
    rate table's 0.5–2× range implies.  Calibrate one student at a time:
    students differ more than kinds do.

    Parameters
    ----------
    df : pandas.DataFrame
        The student's assignments (``kind``, ``title``; ``course`` for the
        per-course multipliers).
    observed_hours : Series, mapping or str
        Hours per assignment: a Series aligned with *df*'s index, a mapping
        ``assignment_id → hours``, or the name of a column of *df*.
    model : EffortModel, optional
        Starting model; its rates and settings are kept, its multipliers
        replaced.
    prior_strength : float, default :data:`PRIOR_ESTIMATES`
        k: how many observations the default counts for (0 = the plain mean
        of the log ratios).

    Returns
    -------
    EffortModel
        Usable as ``estimate(df, model=...)``; ``notes`` say what each
        multiplier rests on.

    Raises
    ------
    InputError
        If no assignment has both an observed and a positive estimated effort.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.schema import conform
    >>> from muffin_analytics.effort import calibrate, estimate
    >>> df = conform(pd.DataFrame({"student": ["s"] * 2, "assignment_id": [1, 2],
    ...     "title": ["Quiz 1", "Quiz 2"], "kind": ["quiz"] * 2, "course": ["CHEM 110"] * 2,
    ...     "due_at": ["2026-10-09T23:59:00Z"] * 2}))
    >>> round(calibrate(df, {1: 3.0, 2: 3.0}, prior_strength=0).multiplier("quiz"), 2)  # estimate 1.5 h
    2.0
    >>> m = calibrate(df, {1: 3.0, 2: 3.0})  # two observations, shrunk toward ×1
    >>> round(m.multiplier("quiz"), 2)
    1.32
    >>> m.notes[("", "quiz")]
    'from 2 of your corrected estimates, 0.97–1.8×'
    >>> round(m.multiplier("quiz", "CHEM 110"), 2)  # one course: its own is the kind's
    1.32
    """
    model = model or EffortModel.default()
    if prior_strength < 0:
        raise InputError(f"prior_strength must be >= 0, got {prior_strength}")
    if isinstance(observed_hours, str):
        if observed_hours not in df.columns:
            raise InputError(f"no column {observed_hours!r} with observed hours")
        observed = pd.to_numeric(df[observed_hours], errors="coerce")
    elif isinstance(observed_hours, pd.Series):
        observed = pd.to_numeric(observed_hours.reindex(df.index), errors="coerce")
    else:
        observed = pd.to_numeric(df["assignment_id"].map(dict(observed_hours)), errors="coerce")
    base = dataclasses.replace(model, multipliers={k: 1.0 for k in KINDS}, course_multipliers={}, notes={})
    est = estimate(df, base, overwrite=True)["est_hours"].to_numpy(dtype=float)
    obs = observed.to_numpy(dtype=float)
    usable = ~np.isnan(obs) & (obs > 0) & (est > 0)
    if not usable.any():
        raise InputError("no assignment has both an observed and a positive estimated effort")
    courses = df["course"].astype("str").to_numpy(dtype=object) if "course" in df.columns else np.full(len(df), "", dtype=object)
    ratios = pd.DataFrame({"course": courses[usable], "kind": df["kind"].to_numpy(dtype=object)[usable],
                           "r": np.log(obs[usable] / est[usable])})
    k = float(prior_strength)
    kinds: dict[str, float] = {}
    per_course: dict[tuple[str, str], float] = {}
    notes: dict[tuple[str, str], str] = {}
    for kind, g in ratios.groupby("kind", sort=True):
        n = len(g)
        m = float(g["r"].sum()) / (n + k)
        kinds[str(kind)] = float(np.exp(m))
        notes[("", str(kind))] = _fit_note(m, n + k, n, "")
        for course, cg in g.groupby("course", sort=True):
            if not course:
                continue
            # Shrunk toward what the other courses say of this kind (so no observation counts twice).
            nc, rc = len(cg), float(cg["r"].sum())
            others = (float(g["r"].sum()) - rc) / (n - nc + k) if n - nc + k > 0 else 0.0
            mc = (k * others + rc) / (nc + k) if nc + k > 0 else 0.0
            per_course[(str(course), str(kind))] = float(np.exp(mc))
            notes[(str(course), str(kind))] = _fit_note(mc, nc + k, nc, str(course))
    return dataclasses.replace(model, multipliers={**{k_: 1.0 for k_ in KINDS}, **kinds},
                               course_multipliers=per_course, notes=notes)


def _fit_note(log_mult: float, weight: float, n: int, course: str) -> str:
    """"from 3 of your corrected estimates in HIST 101, 0.9–1.6×" (a 90 % range)."""
    half = _Z90 * _LOG_SD / np.sqrt(max(weight, 1e-9))
    low, high = np.exp(log_mult - half), np.exp(log_mult + half)
    where = f" in {course}" if course else ""
    return f"from {n} of your corrected estimates{where}, {low:.2g}–{high:.2g}×"
