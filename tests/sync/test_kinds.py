"""Kinds of a sync's assignments: the remembered kinds are exactly what the analytics rules say."""

from __future__ import annotations

import pandas as pd
import pytest

from feedserver.canvas.coursework import CanvasAssignment
from feedserver.sync import kinds
from feedserver.sync.kinds import classify
from muffin_analytics.effort import classify_kinds


def assignment(name: str, types: tuple[str, ...] = (), *, quiz: bool = False, discussion: bool = False) -> CanvasAssignment:
    return CanvasAssignment(
        id=name, course_id="1", name=name, description_html="", html_url="", due_at=None, unlock_at=None,
        lock_at=None, points_possible=None, submission_types=types, is_quiz=quiz, is_discussion=discussion,
        published=True, submission_state="unsubmitted", submitted_at=None)


BATCH = [
    (assignment("Lab report 2"), ""),
    (assignment("Week 3", ("online_quiz",)), ""),
    (assignment("Week 4", ("online_text_entry",), discussion=True), ""),
    (assignment("Assignment 7"), "Write a 3 page essay on the reading."),
    (assignment("Unit 5", quiz=True), ""),
    (assignment("Midterm"), ""),
    (assignment("Week 3", ("online_quiz",)), ""),  # a repeat within one batch
]


def expected(batch: list[tuple[CanvasAssignment, str]]) -> list[str]:
    types = [",".join([*a.submission_types, *(["online_quiz"] if a.is_quiz else []),
                       *(["discussion_topic"] if a.is_discussion else [])]) for a, _ in batch]
    return list(classify_kinds(pd.Series([a.name for a, _ in batch]), pd.Series(types),
                               pd.Series([d for _, d in batch])))


def test_remembered_kinds_equal_the_rules_whatever_the_mix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_known", type(kinds._known)())
    want = expected(BATCH)
    assert want[:6] == ["lab", "quiz", "discussion", "essay", "quiz", "exam"]
    assert classify([a for a, _ in BATCH], [d for _, d in BATCH]) == want  # all unseen
    assert classify([a for a, _ in BATCH], [d for _, d in BATCH]) == want  # all remembered
    mixed = [BATCH[0], (assignment("Final project"), ""), BATCH[3]]
    assert classify([a for a, _ in mixed], [d for _, d in mixed]) == expected(mixed)  # some of each
    # The same title with another description or other types is another assignment.
    other = [(assignment("Assignment 7"), "Take the quiz on Canvas."), (assignment("Lab report 2", ("online_quiz",)), "")]
    assert classify([a for a, _ in other], [d for _, d in other]) == expected(other)
    assert classify([], []) == []


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_known", type(kinds._known)())
    monkeypatch.setattr(kinds, "CACHED_KINDS", 3)
    assert classify([a for a, _ in BATCH], [d for _, d in BATCH]) == expected(BATCH)
    assert len(kinds._known) == 3
