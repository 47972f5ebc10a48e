"""Figures: calendar heatmap, weekly bars by course, load curves.

All three draw with plain matplotlib (no calendar-plot dependency: the
available ones are stale and untested with pandas 3, docs/workload-research.md §5) onto an
``ax`` you pass or a new figure, and return the Axes.  Every axis says its
unit.  Colours are chosen to read on light and dark backgrounds: the
perceptually uniform *viridis* map for hours and the Okabe–Ito palette for
lines and bars; text colours follow the active style, so
``theme="dark"`` (or any ``plt.style.context``) just works.

Importing this module does not pick a backend; scripts and tests that must
not open windows should ``matplotlib.use("Agg")`` first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

from .capacity import CapacityLike, capacity_array
from .density import LastMinuteProfile, daily_load
from .errors import InputError
from .plan import BalancedPlan

__all__ = ["OKABE_ITO", "calendar_heatmap", "weekly_bars", "load_curves"]

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
"""Colour-blind safe palette (Okabe & Ito 2008), legible on white and black."""

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@contextlib.contextmanager
def _theme(theme: str | None) -> Iterator[None]:
    import matplotlib.pyplot as plt

    if theme is None:
        yield
    elif theme in ("light", "dark"):
        with plt.style.context("default" if theme == "light" else "dark_background"):
            yield
    else:
        raise InputError(f"theme must be None, 'light' or 'dark', got {theme!r}")


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _one_student(frame: pd.DataFrame, student: str | None, what: str) -> pd.DataFrame:
    if "student" not in frame.columns:
        return frame
    students = frame["student"].unique()
    if student is None:
        if len(students) > 1:
            raise InputError(f"{what}: the table holds {len(students)} students; pass student=")
        return frame
    return frame.loc[frame["student"] == student]


def calendar_heatmap(
    load: pd.DataFrame,
    student: str | None = None,
    *,
    ax=None,
    cmap: str = "viridis",
    vmax: float | None = None,
    title: str | None = None,
    theme: str | None = None,
):
    """GitHub-style calendar of daily load: week columns × weekday rows.

    Parameters
    ----------
    load : pandas.DataFrame
        :func:`muffin_analytics.density.daily_load` output (``date``,
        ``hours``; per-course rows are summed).
    student : str, optional
        Required when *load* holds several students.
    ax : matplotlib Axes, optional
    cmap : str, default "viridis"
    vmax : float, optional
        Top of the colour scale in hours (default: the largest day).
    title : str, optional
    theme : {None, "light", "dark"}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from muffin_analytics.plot import calendar_heatmap
    >>> load = pd.DataFrame({"date": pd.date_range("2026-10-01", periods=20), "hours": range(20)})
    >>> calendar_heatmap(load).get_ylabel()
    'weekday'
    """
    with _theme(theme):
        frame = _one_student(load, student, "calendar_heatmap")
        ax = _axes(ax, (10, 2.8))
        if frame.empty:
            ax.set_title(title or "Daily load (no data)")
            return ax
        daily = frame.groupby("date")["hours"].sum()
        days = daily.index.to_numpy(dtype="datetime64[D]").astype(np.int64)
        first_monday = days.min() - (days.min() + 3) % 7
        n_weeks = int((days.max() - first_monday) // 7 + 1)
        grid = np.full((7, n_weeks), np.nan)
        span = np.arange(first_monday, first_monday + 7 * n_weeks)
        lo, hi = days.min(), days.max()
        inside = (span >= lo) & (span <= hi)
        grid.T.flat[np.flatnonzero(inside)] = 0.0  # days in range without load show as 0 h
        idx = days - first_monday
        grid[idx % 7, idx // 7] = daily.to_numpy(dtype=float)
        import matplotlib as mpl

        colormap = mpl.colormaps[cmap].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
        mesh = ax.pcolormesh(
            np.arange(n_weeks + 1), np.arange(8), np.ma.masked_invalid(grid), cmap=colormap,
            vmin=0.0, vmax=vmax if vmax is not None else float(np.nanmax(grid)) or 1.0,
            edgecolors=mpl.rcParams["axes.facecolor"], linewidth=1.5,
        )
        ax.set_aspect("equal")
        ax.invert_yaxis()
        ax.set_yticks(np.arange(7) + 0.5, _WEEKDAYS)
        # Label the first column of each month, as GitHub's calendar does.
        mondays = pd.DatetimeIndex((first_monday + 7 * np.arange(n_weeks)).astype("datetime64[D]"))
        starts = [0] + [i for i in range(1, n_weeks) if mondays[i].month != mondays[i - 1].month]
        ax.set_xticks(np.array(starts) + 0.5, [mondays[i].strftime("%b") for i in starts])
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_xlabel("week (columns start on Monday)")
        ax.set_ylabel("weekday")
        ax.set_title(title or "Daily load")
        bar = ax.figure.colorbar(mesh, ax=ax, fraction=0.025, pad=0.01)
        bar.set_label("hours per day")
        return ax


def weekly_bars(
    weekly: pd.DataFrame,
    student: str | None = None,
    *,
    ax=None,
    budget: float | None = None,
    title: str | None = None,
    theme: str | None = None,
):
    """Weekly hours stacked by course.

    Parameters
    ----------
    weekly : pandas.DataFrame
        :func:`muffin_analytics.density.weekly_load` with ``by_course=True``
        (``week``, ``course``, ``hours``).
    student : str, optional
    ax : matplotlib Axes, optional
    budget : float, optional
        Draw the weekly budget B as a horizontal line (hours per week).
    title : str, optional
    theme : {None, "light", "dark"}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from muffin_analytics.plot import weekly_bars
    >>> w = pd.DataFrame({"week": pd.to_datetime(["2026-10-05"] * 2), "course": ["A", "B"], "hours": [3.0, 4.0]})
    >>> weekly_bars(w).get_ylabel()
    'hours per week'
    """
    if "course" not in weekly.columns:
        raise InputError("weekly_bars needs weekly_load(..., by_course=True)")
    with _theme(theme):
        frame = _one_student(weekly, student, "weekly_bars")
        ax = _axes(ax, (10, 4))
        table = frame.pivot_table(index="week", columns="course", values="hours", aggfunc="sum", fill_value=0.0).sort_index()
        x = np.arange(len(table))
        bottom = np.zeros(len(table))
        for i, course in enumerate(table.columns):
            values = table[course].to_numpy(dtype=float)
            ax.bar(x, values, bottom=bottom, color=OKABE_ITO[i % len(OKABE_ITO)], label=str(course), width=0.8)
            bottom += values
        if budget is not None:
            ax.axhline(budget, color=OKABE_ITO[5], linestyle="--", linewidth=1.5, label=f"weekly budget ({budget:g} h)")
        ax.set_xticks(x, [pd.Timestamp(w).strftime("%b %d") for w in table.index], rotation=45, ha="right")
        ax.set_xlabel("week starting (Monday)")
        ax.set_ylabel("hours per week")
        ax.set_title(title or "Weekly load by course")
        if len(table.columns):
            ax.legend(loc="upper left", fontsize="small", ncols=min(len(table.columns) + (budget is not None), 4))
        return ax


def load_curves(
    df: pd.DataFrame | None,
    plan: BalancedPlan,
    *,
    profile: LastMinuteProfile | None = None,
    capacity: CapacityLike | None = None,
    ax=None,
    title: str | None = None,
    theme: str | None = None,
):
    """Daily load of the last-minute profile against the balanced plan.

    Draws the two load curves (hours per day), the free hours (capacity, a
    step line) and λ* × capacity, the level no plan can stay under.

    Parameters
    ----------
    df : pandas.DataFrame or None
        The student's assignments, for the last-minute curve (``None``: plan only).
    plan : BalancedPlan
    profile : LastMinuteProfile, optional
    capacity : CapacityLike, optional
        Default: the plan's own capacity.
    ax : matplotlib Axes, optional
    title : str, optional
    theme : {None, "light", "dark"}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from muffin_analytics.synth import cohort
    >>> from muffin_analytics.plan import balanced
    >>> from muffin_analytics.plot import load_curves
    >>> df = cohort(1, seed=2)
    >>> ax = load_curves(df, balanced(df, capacity=4))
    >>> ax.get_ylabel()
    'hours per day'
    """
    with _theme(theme):
        ax = _axes(ax, (10, 4))
        days = plan.days
        dates = days["date"]
        cap = days["capacity"].to_numpy(dtype=float)
        if capacity is not None and len(days):
            cap = capacity_array(capacity, int(dates.to_numpy(dtype="datetime64[D]").astype(np.int64)[0]), len(days))
        if df is not None:
            sub = df.loc[df["student"] == plan.student] if "student" in df.columns and plan.student is not None else df
            lm = daily_load(sub, profile or LastMinuteProfile(), tz=plan.tz)
            ax.plot(lm["date"], lm["hours"], color=OKABE_ITO[5], linewidth=1.8, marker=".", label="last-minute")
        ax.plot(dates, days["hours"], color=OKABE_ITO[1], linewidth=2.2, label="balanced plan")
        if len(days):
            ax.step(dates, cap, where="mid", color=OKABE_ITO[2], linewidth=1.2, label="free hours")
            ax.step(dates, plan.peak * cap, where="mid", color=OKABE_ITO[0], linewidth=1.2, linestyle="--",
                    label=f"λ* × free hours (λ* = {plan.peak:.2f})")
            if plan.critical_window is not None:
                a, b = plan.critical_window
                ax.axvspan(pd.Timestamp(a) - pd.Timedelta(hours=12), pd.Timestamp(b) + pd.Timedelta(hours=12),
                           color=OKABE_ITO[0], alpha=0.15, label="critical window")
        ax.set_xlabel("date")
        ax.set_ylabel("hours per day")
        ax.set_ylim(bottom=0)
        ax.set_title(title or f"Daily load: last-minute vs balanced (peak λ* = {plan.peak:.2f})")
        ax.legend(loc="upper left", fontsize="small")
        # Not figure.autofmt_xdate(): it hides the tick labels of the other
        # axes of a shared figure.
        ax.tick_params(axis="x", labelrotation=30)
        return ax
