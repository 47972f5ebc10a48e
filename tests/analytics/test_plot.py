"""Figures render with Agg, say their units, and work on light and dark themes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from muffin_analytics.density import daily_load, weekly_load
from muffin_analytics.errors import InputError
from muffin_analytics.plan import balanced
from muffin_analytics.plot import calendar_heatmap, load_curves, weekly_bars
from muffin_analytics.synth import cohort


@pytest.fixture(scope="module")
def one():
    df = cohort(1, seed=2)
    return df, balanced(df, capacity=[3, 3, 3, 3, 2, 5, 5])


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("theme", [None, "light", "dark"])
def test_all_figures_render(one, theme, tmp_path):
    df, plan = one
    axes = [
        calendar_heatmap(daily_load(df), theme=theme),
        weekly_bars(weekly_load(df, by_course=True), budget=30, theme=theme),
        load_curves(df, plan, theme=theme),
    ]
    for ax in axes:
        assert ax.get_title()
        assert ax.get_xlabel() and ax.get_ylabel()
        ax.figure.savefig(tmp_path / "f.png")
    assert axes[0].figure.axes[-1].get_ylabel() == "hours per day"  # colour bar
    assert axes[1].get_ylabel() == "hours per week"
    labels = [t.get_text() for t in axes[2].get_legend().get_texts()]
    assert "last-minute" in labels and "balanced plan" in labels and "free hours" in labels
    assert any(label.startswith("λ* × free hours") for label in labels)


def test_dark_theme_backgrounds(one):
    df, plan = one
    ax = load_curves(df, plan, theme="dark")
    r, g, b, _ = ax.figure.get_facecolor()
    assert r + g + b < 0.5  # dark figure, so default text colours (light) stay readable


def test_heatmap_grid_values(one):
    df, _ = one
    load = daily_load(df)
    ax = calendar_heatmap(load)
    mesh = ax.collections[0]
    assert float(mesh.get_array().sum()) == pytest.approx(load["hours"].sum())


def test_plots_draw_on_given_axes(one):
    df, plan = one
    fig, axes = plt.subplots(1, 2)
    assert load_curves(None, plan, ax=axes[1]) is axes[1]


def test_several_students_need_a_choice():
    df = cohort(2, seed=3)
    load = daily_load(df)
    with pytest.raises(InputError, match="student="):
        calendar_heatmap(load)
    calendar_heatmap(load, student=df["student"].iloc[0])
    with pytest.raises(InputError, match="by_course"):
        weekly_bars(weekly_load(df))
    with pytest.raises(InputError, match="theme"):
        calendar_heatmap(load, student=df["student"].iloc[0], theme="sepia")
