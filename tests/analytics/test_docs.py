"""Docstring examples run; public functions are documented (numpydoc sections)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
import subprocess
import sys

import pytest

MODULES = [
    "canvas_rules", "capacity", "crunch", "datasets", "days", "density", "effort", "errors", "load", "plan", "plot",
    "privacy", "rates", "reference", "schema", "suggest", "synth",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(f"muffin_analytics.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_public_api_is_declared_and_documented(name):
    module = importlib.import_module(f"muffin_analytics.{name}")
    assert module.__doc__ and hasattr(module, "__all__")
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_function_and_class_has_an_example(name):
    # docs/analytics.md promises it; test_doctests runs them.
    module = importlib.import_module(f"muffin_analytics.{name}")
    lacking = [attr for attr in module.__all__
               if (inspect.isfunction(getattr(module, attr)) or inspect.isclass(getattr(module, attr)))
               and not re.search(r"\n\s*Examples\n\s*-{8}\n(?:.*\n)*?\s*>>> ", getattr(module, attr).__doc__ or "")]
    assert not lacking, f"muffin_analytics.{name}: no numpydoc Examples section with >>> in {lacking}"


def test_dir_lists_the_submodules_for_tab_completion():
    import muffin_analytics

    names = dir(muffin_analytics)
    assert {"plan", "density", "suggest", "effort", "schema", "plot", "AnalyticsError"} <= set(names)
    assert {name for name in MODULES} <= set(names)


@pytest.mark.parametrize(
    ("name", "func"),
    [
        ("load", "from_ics"), ("load", "from_canvas"), ("load", "from_store"), ("effort", "estimate"),
        ("effort", "calibrate"), ("effort", "classify_kind"), ("density", "daily_load"), ("crunch", "detect"),
        ("plan", "balanced"), ("plan", "balanced_many"), ("suggest", "suggestions"), ("schema", "validate"),
        ("privacy", "pseudonymize"), ("synth", "cohort"),
    ],
)
def test_contract_functions_have_numpydoc_sections(name, func):
    doc = getattr(importlib.import_module(f"muffin_analytics.{name}"), func).__doc__
    for section in ("Parameters", "Returns"):
        assert f"{section}\n    ---" in doc, f"{name}.{func} lacks {section}"


def test_import_pulls_in_no_web_framework_nor_matplotlib():
    code = (
        "import sys, muffin_analytics\n"
        "from muffin_analytics import load, plan, density, crunch, suggest, synth, effort, privacy\n"
        "bad = [m for m in ('aiohttp', 'matplotlib') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_docs_page_covers_the_contract():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "analytics.md").read_text(encoding="utf-8")
    for name in (
        "from_ics", "from_canvas", "from_store", "pseudonymize", "validate", "estimate", "calibrate",
        "classify_kind", "daily_load", "weekly_load", "LastMinuteProfile", "DUE_CUTOFF_HOUR", "detect",
        "balanced", "balanced_many", "BalancedPlan", "explain", "suggestions", "calendar_heatmap",
        "weekly_bars", "load_curves", "cohort", "Horn 1974", "Yao, Demers & Shenker", "dropped",
    ):
        assert name in page, name
    # Every rate of the table is either in the page's tables or covered by a wildcard row.
    from muffin_analytics.rates import load_rates

    for rate in load_rates().index:
        if rate.startswith(("reading.survey", "reading.understand", "reading.engage", "writing.reflection", "writing.argument", "writing.research")):
            continue
        assert f"`{rate}`" in page or (rate.endswith(".reference_points") and "`*.reference_points`" in page), rate
