"""The notebooks' summary check: bold figures of the opening cell vs computed ones.

The notebooks themselves run under nbmake (scripts/test.sh); these tests keep
the checking machinery honest and catch a notebook that checks the wrong file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

import nbhelpers  # noqa: E402

SOURCE = '''# %% [markdown]
# # Title
#
# **Question → Answer.** Half of them (**50 %**) peak in week **10**.

# %%
x = 1
'''


@pytest.fixture
def notebook(tmp_path, monkeypatch):
    monkeypatch.setattr(nbhelpers, "NOTEBOOKS", tmp_path)
    (tmp_path / "99_example.py").write_text(SOURCE, encoding="utf-8")
    return "99_example"


def test_stated_figures_are_the_bold_spans_with_digits(notebook):
    assert nbhelpers.stated_figures(notebook) == ["50 %", "10"]


def test_check_summary_passes_when_figures_agree(notebook):
    nbhelpers.check_summary(notebook, {"share": "50 %", "week": "10"})


@pytest.mark.parametrize(
    "computed",
    [{"share": "49 %", "week": "10"}, {"share": "50 %"}, {"share": "50 %", "week": "10", "extra": "3"}],
    ids=["stale value", "unchecked figure", "figure missing from text"],
)
def test_check_summary_fails_on_any_difference(notebook, computed):
    with pytest.raises(AssertionError, match="stale"):
        nbhelpers.check_summary(notebook, computed)


@pytest.mark.parametrize("source", sorted(NOTEBOOKS.glob("[0-9]*.py")), ids=lambda p: p.stem)
def test_every_notebook_checks_its_own_summary(source):
    text = source.read_text(encoding="utf-8")
    assert nbhelpers.stated_figures(source.stem), f"{source.name}: no bold figures in the opening cell"
    assert re.findall(r'check_summary\(\s*"([^"]+)"', text) == [source.stem]
