"""Workload analytics for Homework Muffin.

Turns a student's (or a cohort's) assignments into hours per day, finds
crunches, and computes the plan with the lowest possible daily peak, with an
explanation.  Used by the notebooks and by the feed server; it imports no web
framework and needs no server.

Modules (one topic each):

* :mod:`~muffin_analytics.schema` — the assignments table and its checks;
* :mod:`~muffin_analytics.canvas_rules` — what Canvas's answers mean (submission
  states, feed UIDs, quiz and discussion markers), shared with the feed server;
* :mod:`~muffin_analytics.load` — ICS feeds, Canvas JSON, the server database;
* :mod:`~muffin_analytics.datasets` — a sample semester shipped with the package;
* :mod:`~muffin_analytics.privacy` — salted pseudonyms;
* :mod:`~muffin_analytics.rates`, :mod:`~muffin_analytics.effort` — hours per assignment;
* :mod:`~muffin_analytics.days`, :mod:`~muffin_analytics.capacity` — local days, free hours;
* :mod:`~muffin_analytics.density` — hours per day and week;
* :mod:`~muffin_analytics.crunch` — crunch days, weeks, deadline clusters;
* :mod:`~muffin_analytics.plan` — balanced plans (YDS, optimal peak);
* :mod:`~muffin_analytics.suggest` — sentences and calendar sessions;
* :mod:`~muffin_analytics.plot` — figures (matplotlib, imported on use);
* :mod:`~muffin_analytics.synth` — synthetic cohorts;
* :mod:`~muffin_analytics.reference` — slow row-by-row versions (test oracles, benchmark baseline).

Submodules are imported on first attribute access, so ``import
muffin_analytics`` stays cheap and never pulls in matplotlib; ``dir()`` lists
them all, so tab completion finds them before they are loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import AnalyticsError, InputError, PlanError, SchemaError

__all__ = [
    "AnalyticsError",
    "SchemaError",
    "InputError",
    "PlanError",
    "canvas_rules",
    "capacity",
    "crunch",
    "datasets",
    "days",
    "density",
    "effort",
    "load",
    "plan",
    "plot",
    "privacy",
    "rates",
    "reference",
    "schema",
    "suggest",
    "synth",
]

__version__ = "0.1.0"

_SUBMODULES = frozenset(
    {"canvas_rules", "capacity", "crunch", "datasets", "days", "density", "effort", "errors", "load", "plan", "plot",
     "privacy", "rates", "reference", "schema", "suggest", "synth"}
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES})
