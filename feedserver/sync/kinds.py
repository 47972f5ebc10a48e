"""What kind of work an assignment is: essay, quiz, exam, lab...

One set of rules serves the feed and the analytics notebooks:
`muffin_analytics.effort.classify_kinds` (title first, then Canvas's
submission types, then the description). It is vectorised, so a sync
classifies all of a student's assignments in one call; pandas is imported on
the first sync, not at server start.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..canvas.coursework import CanvasAssignment

__all__ = ["classify"]


def classify(assignments: Sequence[CanvasAssignment], descriptions: Sequence[str]) -> list[str]:
    """One kind per assignment, in order; `descriptions` are their plain texts."""
    if not assignments:
        return []
    import pandas as pd

    from muffin_analytics.effort import classify_kinds

    types = []
    for a in assignments:
        found = list(a.submission_types)
        # Quizzes and graded discussions are known by their links even when types say otherwise.
        if a.is_quiz:
            found.append("online_quiz")
        if a.is_discussion:
            found.append("discussion_topic")
        types.append(",".join(found))
    kinds = classify_kinds(
        pd.Series([a.name for a in assignments], dtype="str"),
        pd.Series(types, dtype="str"),
        pd.Series(list(descriptions), dtype="str"),
    )
    return [str(k) for k in kinds]
