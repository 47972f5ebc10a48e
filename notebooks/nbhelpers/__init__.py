"""Set-up shared by the team notebooks: paths, plot style, checked summaries.

Nothing here computes workload; that lives in :mod:`muffin_analytics`.  This
module only knows where the notebooks and their data sit, how the figures
look, and how a notebook proves that its opening summary is up to date.

The notebooks import it after putting ``<repo>/notebooks`` on ``sys.path`` (a
kernel may start in the repo root or in ``notebooks/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import jupytext
import matplotlib as mpl
from cycler import cycler
from IPython.display import Markdown, display

__all__ = [
    "REPO",
    "NOTEBOOKS",
    "CALIBRATED_TAU_DAYS",
    "oulad_dir",
    "require_calibrated_tau",
    "use_style",
    "stated_figures",
    "check_summary",
]

NOTEBOOKS: Path = Path(__file__).resolve().parents[1]
"""``<repo>/notebooks``: the jupytext sources (``*.py``) live here."""

REPO: Path = NOTEBOOKS.parent
"""The checkout: everything the notebooks read is inside it."""

CALIBRATED_TAU_DAYS: float = 1.8
"""τ of the last-minute profile fitted to real submissions (notebook 03 asserts it).

The figures of notebooks 01, 02 and 04 depend on the package's default τ, so
they are stated for this value and refuse to run against another default.
"""

OULAD_FILES = ("courses.csv.xz", "assessments.csv.xz", "studentAssessment.csv.xz", "studentInfo.csv.xz")


def oulad_dir() -> Path:
    """Folder of the OULAD tables notebook 03 reads, ``notebooks/data/oulad``.

    The tables ship in the repository, xz-compressed, with the columns the
    notebook reads (licence, source and checksums in the folder's README).

    Raises
    ------
    FileNotFoundError
        Naming the folder and the missing files, if the checkout lacks them.
    """
    path = NOTEBOOKS / "data" / "oulad"
    missing = [name for name in OULAD_FILES if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"OULAD tables {missing} not found in {path}; they are part of the repository "
            "(see notebooks/data/oulad/README.md)."
        )
    return path


def require_calibrated_tau() -> None:
    """Fail early, and say why, if the package's default τ is not the calibrated one."""
    from muffin_analytics import density

    assert round(density.DEFAULT_TAU_DAYS, 1) == CALIBRATED_TAU_DAYS, (
        f"muffin_analytics.density.DEFAULT_TAU_DAYS is {density.DEFAULT_TAU_DAYS} days, but this notebook's "
        f"figures assume the last-minute profile calibrated on OULAD, τ = {CALIBRATED_TAU_DAYS} days "
        "(notebook 03): set the package default to the calibrated value"
    )


# Okabe–Ito: distinguishable with colour-vision deficiencies, and none of the
# colours is pure black or white, so lines stay visible on light and dark themes.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#666666")

# An opaque, slightly warm background: JupyterLab's dark theme then shows each
# figure as a light card instead of dark text on a transparent dark page.
STYLE: dict[str, object] = {
    "figure.facecolor": "#f7f7f4",
    "axes.facecolor": "#f7f7f4",
    "savefig.facecolor": "#f7f7f4",
    "savefig.transparent": False,
    "text.color": "#2b2b2b",
    "axes.labelcolor": "#2b2b2b",
    "axes.edgecolor": "#8a8a8a",
    "xtick.color": "#4a4a4a",
    "ytick.color": "#4a4a4a",
    "axes.grid": True,
    "grid.color": "#dcdcd6",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "axes.titlesize": 12,
    "axes.prop_cycle": cycler(color=PALETTE),
    "figure.figsize": (9.0, 4.2),
    "figure.dpi": 100,
    "legend.frameon": False,
}


def use_style() -> None:
    """Apply the notebooks' matplotlib style (neutral, opaque, colour-blind safe)."""
    mpl.rcParams.update(STYLE)


# A summary figure is a bold span with a digit in it: **29 %**, **2.2 days**.
_FIGURE = re.compile(r"\*\*([^*]*\d[^*]*)\*\*")


def stated_figures(notebook: str) -> list[str]:
    """The bold figures of a notebook's opening markdown cell, in order.

    Parameters
    ----------
    notebook : str
        File stem, e.g. ``"03_real_submission_timing"``; the jupytext source
        ``notebooks/<stem>.py`` is read (it is paired with the ``.ipynb``).
    """
    source = NOTEBOOKS / f"{notebook}.py"
    cells = jupytext.read(source).cells
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is None:
        raise AssertionError(f"{source.name} has no markdown cell to hold its summary")
    return _FIGURE.findall(first.source)


def check_summary(notebook: str, computed: Mapping[str, str]) -> None:
    """Show stated vs computed summary figures and assert that they agree.

    Parameters
    ----------
    notebook : str
        File stem of the running notebook.
    computed : Mapping[str, str]
        Figure name → the figure formatted exactly as the summary prints it,
        in the order the figures appear in the opening cell.

    Raises
    ------
    AssertionError
        If any bold figure of the opening cell differs from the computed one,
        or if the counts differ (a figure was added or removed on one side).
    """
    stated = stated_figures(notebook)
    rows = ["| figure | stated | computed | |", "|---|---|---|---|"]
    for i, (name, value) in enumerate(computed.items()):
        said = stated[i] if i < len(stated) else "—"
        rows.append(f"| {name} | {said} | {value} | {'✓' if said == value else '✗ stale'} |")
    for extra in stated[len(computed):]:
        rows.append(f"| (not computed) | {extra} | — | ✗ unchecked |")
    display(Markdown("\n".join(rows)))
    assert stated == list(computed.values()), (
        f"the opening summary of {notebook} is stale: it states {stated}, "
        f"the computation gives {list(computed.values())}"
    )
