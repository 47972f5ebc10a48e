"""What kind of work an assignment is: essay, quiz, exam, lab...

One set of rules serves the feed and the analytics notebooks:
`muffin_analytics.effort.classify_kinds` (title first, then Canvas's
submission types, then the description). It is vectorised, so a sync
classifies all of a student's assignments in one call; pandas is imported on
the first sync, not at server start.

A kind depends only on the title, the submission types and the description,
which every student of a course shares, and one pandas call costs about as
much for one assignment as for a hundred. So a process remembers the kinds of
the last `CACHED_KINDS` assignments it classified (by a 16-byte digest of
those three) and calls pandas only for the ones it has not seen.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from ..canvas.coursework import CanvasAssignment

__all__ = ["CACHED_KINDS", "classify"]

#: Kinds a process remembers (16 bytes of key and a short string each).
CACHED_KINDS = 50_000

_known: OrderedDict[bytes, str] = OrderedDict()
_known_lock = threading.Lock()  # syncs classify on worker threads


def classify(assignments: Sequence[CanvasAssignment], descriptions: Sequence[str]) -> list[str]:
    """One kind per assignment, in order; `descriptions` are their plain texts."""
    rows = [(a.name, _types(a), text) for a, text in zip(assignments, descriptions, strict=True)]
    keys = [hashlib.blake2b("\x1f".join(row).encode(), digest_size=16).digest() for row in rows]
    with _known_lock:
        kinds = [_known.get(key) for key in keys]
    unseen = [index for index, kind in enumerate(kinds) if kind is None]
    if unseen:
        found = _classify_rows([rows[index] for index in unseen])
        with _known_lock:
            for index, kind in zip(unseen, found):
                kinds[index] = _known[keys[index]] = kind
            while len(_known) > CACHED_KINDS:
                _known.popitem(last=False)
    return [str(kind) for kind in kinds]


def _types(assignment: CanvasAssignment) -> str:
    found = list(assignment.submission_types)
    # Quizzes and graded discussions are known by their links even when types say otherwise.
    if assignment.is_quiz:
        found.append("online_quiz")
    if assignment.is_discussion:
        found.append("discussion_topic")
    return ",".join(found)


def _classify_rows(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    import pandas as pd

    from muffin_analytics.effort import classify_kinds

    titles, types, descriptions = zip(*rows)
    kinds = classify_kinds(pd.Series(titles, dtype="str"), pd.Series(types, dtype="str"),
                           pd.Series(descriptions, dtype="str"))
    return [str(kind) for kind in kinds]
