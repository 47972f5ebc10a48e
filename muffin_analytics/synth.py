"""Synthetic cohorts: realistic assignment tables for demos, tests and benchmarks.

A cohort is built the way a real term is: a small *course catalogue* (each
course with its own rhythm of problem sets, readings, discussions, labs,
essays, quizzes, midterms, projects and a final), a few *sections* per course
with their own due-time habits (23:59, midnight, before class at 09:00, 17:00),
and students who take 4–6 courses.  Deadlines bunch the way they do in real
terms: midterms in weeks 7–8, essays and projects in weeks 5, 10 and 14–15,
finals in week 16.  Every student of a section shares its assignment ids and
deadlines, as in Canvas.

Generation is vectorised (the section tables are small; students are expanded
with NumPy), so 20,000 students (≈1,000,000 rows, about 50 per student) take about a second.
Effort comes from :func:`muffin_analytics.effort.estimate` on the titles
("Read pp. 120–148", "Essay 2 (1500 words)").

With ``as_of``, deadlines before that instant get submission outcomes drawn
from the last-minute pattern (exponential lead with τ =
:data:`muffin_analytics.density.DEFAULT_TAU_DAYS`; 6.5% late and 5% missing,
docs/workload-research.md §2), so notebooks can fit τ back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import density
from .effort import estimate
from .errors import InputError
from .schema import COLUMNS

__all__ = ["CATALOGUE", "cohort", "sections"]

# (code, name, archetype, popularity)
CATALOGUE: tuple[tuple[str, str, str, float], ...] = (
    ("MATH 221", "Calculus I", "stem", 3.0),
    ("MATH 222", "Calculus II", "stem", 2.0),
    ("MATH 340", "Linear Algebra", "stem", 1.0),
    ("STAT 201", "Introductory Statistics", "social", 2.5),
    ("PHYS 201", "Physics I", "lab_science", 2.0),
    ("CHEM 110", "General Chemistry", "lab_science", 2.5),
    ("BIOL 150", "Cell Biology", "lab_science", 2.0),
    ("CS 101", "Intro to Programming", "cs", 3.0),
    ("CS 220", "Data Structures", "cs", 1.5),
    ("ECON 101", "Principles of Microeconomics", "social", 2.5),
    ("PSYC 100", "Introduction to Psychology", "social", 3.0),
    ("SOC 110", "Sociology", "social", 1.5),
    ("HIST 101", "World History to 1500", "humanities", 2.0),
    ("HIST 210", "Modern Europe", "humanities", 1.0),
    ("ENGL 105", "College Writing", "writing", 3.0),
    ("ENGL 230", "The Novel", "humanities", 1.0),
    ("PHIL 101", "Introduction to Philosophy", "humanities", 1.5),
    ("POLS 120", "American Government", "social", 1.5),
    ("ARTH 100", "Art History Survey", "humanities", 1.0),
    ("SPAN 101", "Elementary Spanish", "language", 2.0),
)
"""Course catalogue: ``(code, name, archetype, popularity)``."""

# Assignment rhythm per archetype: (kind, title pattern, weeks, weekday, points).
# weekday: 0 = Monday.  Titles use {n} (item number) and {p0}/{p1} (pages).
_RHYTHMS: dict[str, tuple[tuple[str, str, tuple[int, ...], int, float], ...]] = {
    "stem": (
        ("problem_set", "Problem Set {n}", (2, 4, 6, 9, 11, 13), 4, 20.0),
        ("quiz", "Quiz {n}", (4, 12), 2, 10.0),
        ("exam", "Midterm Exam", (8,), 3, 100.0),
        ("exam", "Final Exam", (16,), 2, 150.0),
    ),
    "cs": (
        ("problem_set", "Programming Assignment {n}", (2, 5, 9, 13), 3, 30.0),
        ("quiz", "Quiz {n}", (3, 10), 1, 10.0),
        ("exam", "Midterm Exam", (7,), 2, 100.0),
        ("project", "Final Project", (15,), 4, 150.0),
    ),
    "lab_science": (
        ("lab", "Lab {n} report", (3, 5, 6, 9, 11, 12), 3, 20.0),
        ("quiz", "Quiz {n}", (5, 11), 0, 10.0),
        ("exam", "Midterm Exam", (8,), 2, 100.0),
        ("exam", "Final Exam", (16,), 3, 150.0),
    ),
    "social": (
        ("reading", "Read pp. {p0}–{p1}", (2, 5, 9, 12), 1, 0.0),
        ("quiz", "Quiz {n}", (4, 10, 13), 4, 10.0),
        ("exam", "Midterm Exam", (7,), 1, 100.0),
        ("project", "Group project proposal", (10,), 4, 50.0),
        ("exam", "Final Exam", (16,), 1, 150.0),
    ),
    "humanities": (
        ("reading", "Read pp. {p0}–{p1}", (2, 4, 8, 11), 1, 0.0),
        ("discussion", "Discussion post: week {w}", (3, 9), 6, 5.0),
        ("essay", "Essay {n} (1500 words)", (5, 10, 15), 4, 100.0),
        ("exam", "Final Exam", (16,), 4, 150.0),
    ),
    "writing": (
        ("essay", "Response paper {n} (2 pages)", (3, 7, 11), 2, 30.0),
        ("essay", "Essay {n} (5 pages)", (5, 10, 14), 4, 100.0),
        ("discussion", "Peer review post: week {w}", (6, 12), 6, 5.0),
    ),
    "language": (
        ("problem_set", "Workbook exercises {n}", (2, 4, 6, 9, 11, 13), 0, 10.0),
        ("quiz", "Vocabulary quiz {n}", (4, 12), 4, 10.0),
        ("exam", "Midterm Exam", (8,), 4, 100.0),
        ("exam", "Final Exam", (16,), 0, 150.0),
    ),
}

# Due-time habits of a section: (hour, minute), with probabilities.
_DUE_TIMES = ((23, 59), (0, 0), (9, 0), (17, 0), (23, 0))
_DUE_TIME_P = (0.55, 0.12, 0.15, 0.10, 0.08)


def sections(
    n_sections: int = 3,
    seed: int | None = 0,
    start: object = "2026-08-24",
    tz: str = "America/Chicago",
) -> pd.DataFrame:
    """Assignment tables of every section of every catalogue course.

    Parameters
    ----------
    n_sections : int
        Sections per course; each draws its own due-time habit, a ±1 day
        shift per item and whether items unlock a week ahead or from day one.
    seed : int, optional
    start : date-like
        Monday of week 1.
    tz : str
        Zone of the institution (due times are wall-clock times there).

    Returns
    -------
    pandas.DataFrame
        ``section, course, assignment_id, title, kind, points, unlock_at,
        due_at, est_hours, est_low, est_high, est_basis``.

    Examples
    --------
    >>> from muffin_analytics.synth import sections
    >>> t = sections(1)
    >>> t["course"].nunique() == 20 and bool(t["due_at"].notna().all())
    True
    """
    rng = np.random.default_rng(seed)
    monday = pd.Timestamp(start).normalize()
    if monday.day_of_week != 0:
        monday = monday - pd.Timedelta(days=int(monday.day_of_week))
    rows: list[dict[str, object]] = []
    for c_idx, (code, _name, archetype, _pop) in enumerate(CATALOGUE):
        for s in range(n_sections):
            section = c_idx * n_sections + s
            h, m = _DUE_TIMES[rng.choice(len(_DUE_TIMES), p=_DUE_TIME_P)]
            unlock_early = rng.random() < 0.5
            item = 0
            for kind, pattern, weeks, weekday, points in _RHYTHMS[archetype]:
                for n, week in enumerate(weeks, start=1):
                    shift = int(rng.integers(-1, 2)) if kind not in ("exam",) else 0
                    day = monday + pd.Timedelta(days=7 * (week - 1) + weekday + shift)
                    hh, mm = (h, m) if kind != "exam" else (int(rng.choice([9, 13, 19])), 0)
                    p0 = int(rng.integers(1, 400))
                    p1 = p0 + int(rng.integers(15, 70))
                    rows.append(
                        {
                            "section": section,
                            "course": code,
                            "assignment_id": (c_idx + 1) * 100_000 + s * 1_000 + item,
                            "title": pattern.format(n=n, w=week, p0=p0, p1=p1),
                            "kind": kind,
                            "points": points if points > 0 else np.nan,
                            "local_due": day + pd.Timedelta(hours=hh, minutes=mm),
                            "unlock_days": 7 if unlock_early else -1,
                        }
                    )
                    item += 1
    table = pd.DataFrame(rows)
    local = pd.DatetimeIndex(table.pop("local_due"))
    due = local.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    # A 01:00-on-fall-back deadline is ambiguous; take the first one.
    due = due.where(~due.isna(), local.tz_localize(tz, ambiguous=True, nonexistent="shift_forward"))
    table["due_at"] = pd.Series(due.tz_convert("UTC"), index=table.index).astype(COLUMNS["due_at"])
    unlock_days = table.pop("unlock_days").to_numpy()
    unlock = table["due_at"] - pd.to_timedelta(np.maximum(unlock_days, 0), unit="D")
    table["unlock_at"] = unlock.where(unlock_days > 0).astype(COLUMNS["unlock_at"])
    table["course"] = table["course"].astype("str")
    table["title"] = table["title"].astype("str")
    table["kind"] = table["kind"].astype("str")
    table["points"] = table["points"].astype("float64")
    return estimate(table)


def cohort(
    n_students: int,
    seed: int | None = 0,
    start: object = "2026-08-24",
    *,
    tz: str = "America/Chicago",
    other_tz_share: float = 0.05,
    as_of: object = None,
    n_sections: int = 3,
) -> pd.DataFrame:
    """A synthetic cohort's assignments table (:mod:`muffin_analytics.schema`).

    Parameters
    ----------
    n_students : int
    seed : int, optional
        Same seed, same cohort.
    start : date-like
        Monday of week 1 of the 16-week term.
    tz : str
        Institution zone; a share of students (*other_tz_share*) read due
        times in another US zone or in Europe/London (online students).
    as_of : datetime-like, optional
        Draw submission outcomes for deadlines before this instant
        (``submitted``, ``submitted_at``, ``submission_state``); later ones
        are ``False`` / ``"unsubmitted"``.  Default: no submission
        information (``<NA>`` / ``"unknown"``), as in Canvas's ICS feed.
    n_sections : int
        Sections per catalogue course.

    Returns
    -------
    pandas.DataFrame
        Schema columns plus ``tz``, ``est_low``, ``est_high``, ``est_basis``,
        ``submitted_at``, ``submission_state``; about 50 rows per student.

    Examples
    --------
    >>> from muffin_analytics.synth import cohort
    >>> from muffin_analytics.schema import validate
    >>> df = validate(cohort(10, seed=3))
    >>> bool(df.groupby("student")["course"].nunique().between(4, 6).all())
    True
    """
    if n_students < 0:
        raise InputError("n_students must be >= 0")
    rng = np.random.default_rng(seed)
    table = sections(n_sections, seed=None if seed is None else seed + 1, start=start, tz=tz)
    n_courses = len(CATALOGUE)
    popularity = np.array([c[3] for c in CATALOGUE], dtype=float)
    # Each student takes 4-6 distinct courses, more popular ones more often
    # (Gumbel top-k = weighted sampling without replacement), one section each.
    k = rng.integers(4, 7, n_students)
    keys = np.log(popularity)[None, :] + rng.gumbel(size=(n_students, n_courses))
    ranked = np.argsort(-keys, axis=1)
    taken = np.arange(n_courses)[None, :] < k[:, None]
    stu = np.repeat(np.arange(n_students), k)
    course_idx = ranked[taken]
    section = course_idx * n_sections + rng.integers(0, n_sections, len(course_idx))
    # Expand enrolments into the rows of their section.
    by_section = table.sort_values(["section", "assignment_id"], kind="stable").reset_index(drop=True)
    counts = np.bincount(by_section["section"].to_numpy(), minlength=n_courses * n_sections)
    first = np.concatenate(([0], np.cumsum(counts)))[:-1]
    reps = counts[section]
    row_stu = np.repeat(stu, reps)
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    src = np.repeat(first[section], reps) + within
    out = by_section.iloc[src].reset_index(drop=True).drop(columns="section")
    width = max(len(str(max(n_students - 1, 0))), 5)
    ids = np.char.add("stu", np.char.zfill(np.arange(n_students).astype(str), width))
    out.insert(0, "student", pd.Series(ids[row_stu], dtype="str"))
    zones = np.full(n_students, tz, dtype=object)
    others = np.array(["America/New_York", "America/Los_Angeles", "America/Denver", "Europe/London"], dtype=object)
    away = rng.random(n_students) < other_tz_share
    zones[away] = others[rng.integers(0, len(others), int(away.sum()))]
    out["tz"] = pd.Series(zones[row_stu], dtype="str")
    n = len(out)
    if as_of is None:
        out["submitted"] = pd.array([pd.NA] * n, dtype="boolean")
        out["submitted_at"] = pd.Series(pd.NaT, index=out.index, dtype=COLUMNS["due_at"])
        out["submission_state"] = pd.Series("unknown", index=out.index, dtype="str")
    else:
        cut = pd.Timestamp(as_of)
        cut = cut.tz_localize("UTC") if cut.tzinfo is None else cut.tz_convert("UTC")
        past = (out["due_at"] < cut).to_numpy()
        u = rng.random(n)
        missing = past & (u < 0.05)
        late = past & (u >= 0.05) & (u < 0.115)
        lead_days = rng.exponential(density.DEFAULT_TAU_DAYS, n)
        lead_days = np.where(late, -rng.exponential(1.0, n), lead_days)
        submitted_at = out["due_at"] - pd.to_timedelta(np.round(lead_days * 86_400), unit="s")
        done = past & ~missing
        out["submitted"] = pd.array(done, dtype="boolean")
        out["submitted_at"] = submitted_at.where(done).astype(COLUMNS["due_at"])
        state = np.where(missing, "missing", np.where(late, "late", np.where(done, "submitted", "unsubmitted")))
        out["submission_state"] = pd.Series(state, dtype="str")
    cols = [*COLUMNS, "tz", "est_low", "est_high", "est_basis", "submitted_at", "submission_state"]
    return out[cols]
