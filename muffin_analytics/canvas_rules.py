"""Canvas's own rules, written once for the feed server and the analytics package.

A leaf module: it imports nothing but the standard library, so
``feedserver`` (the sync, the calendar-feed parser) and
:mod:`muffin_analytics.load` read Canvas's answers with the same code
instead of two copies that drift.  Everything here restates what Canvas
does; the sources are files of the canvas-lms repository
(``instructure/canvas-lms``).

**Submission state.**  One word per assignment for the feed and the tables:
``graded``, ``submitted``, ``late``, ``missing``, ``unsubmitted`` or
``unknown`` (:data:`SUBMISSION_STATES`).  Canvas sends, per submission,
``workflow_state`` (``unsubmitted``, ``submitted``, ``pending_review``,
``graded``; the ``workflow`` block of ``app/models/submission.rb``),
``submitted_at``, ``excused`` and the computed flags ``late`` and ``missing``
(``SUBMISSION_JSON_FIELDS`` / ``SUBMISSION_JSON_METHODS`` in
``lib/api/v1/submission.rb``); the planner sends ``submitted`` (a
submission exists), ``excused``, ``graded``, ``late`` and ``missing``
(``submission_statuses`` in ``lib/api/v1/planner_item.rb``).  The first
matching row decides:

========  =================================================  ===============
order     Canvas says                                        state
========  =================================================  ===============
1         ``excused``                                        ``graded``
2         ``missing``                                        ``missing``
3         ``workflow_state`` ``graded`` (planner ``graded``)  ``graded``
4         handed in and ``late``                             ``late``
5         handed in                                          ``submitted``
6         anything else                                      ``unsubmitted``
========  =================================================  ===============

"Handed in" is a ``submitted_at`` or a ``workflow_state`` of ``submitted`` or
``pending_review`` (a quiz or LTI result waiting for a person to grade it;
``inferred_workflow_state`` in ``submission.rb``); for the planner, its
``submitted``.  Why this order:

- ``excused`` first: an excused student has nothing left to do, and Canvas
  clears ``late`` and ``missing`` for them (``Submission::Tardiness``
  ``late?`` / ``missing?`` both return false when excused).
- ``missing`` before a submission time and before ``graded``: Canvas's
  ``missing?`` already returns false for handed-in work, and for work a
  grader graded, unless the teacher set ``late_policy_status`` to
  ``missing`` ("teacher said it's missing, 'nuff said", the ``missing``
  scope): then it is true whatever else the submission holds.  The
  missing-submission policy also scores missing work and sets its
  ``workflow_state`` to ``graded`` (``score_missing``) without handing it
  in.  So when Canvas says ``missing`` next to a submission time or a grade,
  it means it, and it shows the student "Missing".
- ``graded`` before ``late``: graded late work is done, and the feed says so.

A state always says whether the work is handed in (:data:`HANDED_IN`):
``unknown`` is for sources without submission data (Canvas's calendar feed,
assignments fetched without ``include[]=submission``), never "not handed in".

**Calendar-feed UIDs** (``IcalEvent#to_ics`` in
``app/models/calendar_event.rb``): an assignment is
``event-assignment-<id>``, or ``event-assignment-override-<override id>``
when an override sets the student's date; the assignment id is then only in
the URL fragment ``#assignment_<id>``, and the override's title sits in
parentheses before the course code in ``SUMMARY`` ``"<title> (<override
title>) [<course code>]"``.  Course calendar events are
``event-calendar-event-<id>``.

**Kinds.**  Canvas marks quizzes with ``quiz_id`` and ``is_quiz_assignment``
(classic quizzes) or ``is_quiz_lti_assignment`` (New Quizzes), and graded
discussions with the ``discussion_topic`` object (``assignment_json`` in
``lib/api/v1/assignment.rb``); ``submission_types`` may say ``online_quiz``
or ``discussion_topic`` too.  :func:`submission_types` adds what those links
imply, so the title-first classifier
(:func:`muffin_analytics.effort.classify_kinds`) sees the same evidence on
every path.  Planner items name their type in ``plannable_type``
(:data:`PLANNER_ASSIGNMENT_TYPES`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "SUBMISSION_STATES",
    "HANDED_IN",
    "submission_state",
    "planner_submission_state",
    "ASSIGNMENT_UID",
    "OVERRIDE_UID",
    "CALENDAR_EVENT_UID_PREFIX",
    "assignment_id_of",
    "is_override_uid",
    "split_summary",
    "QUIZ_TYPE",
    "DISCUSSION_TYPE",
    "PLANNER_ASSIGNMENT_TYPES",
    "is_quiz",
    "is_discussion",
    "submission_types",
]

# --------------------------------------------------------------------------
# Submission state
# --------------------------------------------------------------------------

SUBMISSION_STATES: tuple[str, ...] = ("graded", "submitted", "late", "missing", "unsubmitted", "unknown")
"""Every value of ``submission_state``, in the feed, the database and the tables."""

HANDED_IN: Mapping[str, bool | None] = MappingProxyType({
    "graded": True,
    "submitted": True,
    "late": True,
    "missing": False,
    "unsubmitted": False,
    "unknown": None,
})
"""Whether the work of a state is handed in (``None``: the source does not say)."""

# workflow_state values that mean a submission exists (app/models/submission.rb).
_HANDED_IN_WORKFLOW = frozenset({"submitted", "pending_review"})


def _decide(*, excused: bool, missing: bool, graded: bool, handed_in: bool, late: bool) -> str:
    """The table of the module docstring; both Canvas shapes end here."""
    if excused:
        return "graded"
    if missing:
        return "missing"
    if graded:
        return "graded"
    if handed_in:
        return "late" if late else "submitted"
    return "unsubmitted"


def submission_state(submission: Mapping[str, Any] | None, *, requested: bool = True) -> str:
    """One word for a student's submission as the REST API returns it.

    Parameters
    ----------
    submission : Mapping or None
        The ``submission`` object of an assignment fetched with
        ``include[]=submission`` (``workflow_state``, ``submitted_at``,
        ``excused``, ``late``, ``missing``).
    requested : bool, default True
        Whether ``include[]=submission`` was asked for.  If it was, a missing
        object means nothing was handed in (``"unsubmitted"``); if the caller
        cannot tell, it means ``"unknown"``.

    Returns
    -------
    str
        One of :data:`SUBMISSION_STATES` (see the table in the module docstring).

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import submission_state
    >>> submission_state({"workflow_state": "pending_review", "submitted_at": "2026-10-01T10:00:00Z"})
    'submitted'
    >>> submission_state({"workflow_state": "graded", "missing": True, "score": 0})  # missing policy
    'missing'
    >>> submission_state(None), submission_state(None, requested=False)
    ('unsubmitted', 'unknown')
    """
    if not isinstance(submission, Mapping):
        return "unsubmitted" if requested else "unknown"
    workflow = submission.get("workflow_state")
    return _decide(
        excused=bool(submission.get("excused")),
        missing=bool(submission.get("missing")),
        graded=workflow == "graded",
        handed_in=bool(submission.get("submitted_at")) or workflow in _HANDED_IN_WORKFLOW,
        late=bool(submission.get("late")),
    )


def planner_submission_state(statuses: Any) -> str:
    """One word for the ``submissions`` object of a planner item.

    Parameters
    ----------
    statuses : Mapping or False
        ``{submitted, excused, graded, late, missing, …}`` of
        ``GET /api/v1/planner/items``; Canvas sends ``false`` for items that
        are not assignments.

    Returns
    -------
    str
        One of :data:`SUBMISSION_STATES`; ``"unknown"`` without statuses.

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import planner_submission_state
    >>> planner_submission_state({"submitted": True, "late": True, "graded": False})
    'late'
    >>> planner_submission_state(False)
    'unknown'
    """
    if not isinstance(statuses, Mapping):
        return "unknown"
    return _decide(
        excused=bool(statuses.get("excused")),
        missing=bool(statuses.get("missing")),
        graded=bool(statuses.get("graded")),
        handed_in=bool(statuses.get("submitted")),
        late=bool(statuses.get("late")),
    )


# --------------------------------------------------------------------------
# Calendar-feed UIDs and summaries
# --------------------------------------------------------------------------

ASSIGNMENT_UID = re.compile(r"^event-assignment-(\d+)$")
"""UID of an assignment at its own date; group 1 is the assignment id."""

OVERRIDE_UID = re.compile(r"^event-assignment-override-(\d+)$")
"""UID of an assignment at an override's date; group 1 is the override id, not the assignment's."""

CALENDAR_EVENT_UID_PREFIX = "event-calendar-event-"
"""UID prefix of a course calendar event (not an assignment)."""

_FRAGMENT = re.compile(r"^assignment_(\d+)$")
_CODE_SUFFIX = re.compile(r"^(.*?)\s*\[([^\[\]]*)\]\s*$", re.DOTALL)
_OVERRIDE_SUFFIX = re.compile(r"^(.*)\s+\([^()]*\)$", re.DOTALL)


def is_override_uid(uid: str) -> bool:
    """Whether a feed UID is Canvas's override form ``event-assignment-override-<id>``.

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import is_override_uid
    >>> is_override_uid("event-assignment-override-9"), is_override_uid("event-assignment-9")
    (True, False)
    """
    return OVERRIDE_UID.match(uid) is not None


def assignment_id_of(uid: str, url: str | None) -> str | None:
    """The Canvas assignment id of a calendar-feed event, or None if it is not an assignment.

    Parameters
    ----------
    uid : str
        The event's ``UID``.
    url : str or None
        The event's ``URL``; override events carry the assignment id only in
        its fragment ``#assignment_<id>``.

    Returns
    -------
    str or None
        The id as Canvas writes it (digits).

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import assignment_id_of
    >>> assignment_id_of("event-assignment-42", None)
    '42'
    >>> assignment_id_of("event-assignment-override-7", "https://c/calendar?include_contexts=course_3#assignment_42")
    '42'
    >>> assignment_id_of("event-calendar-event-9", "https://c/calendar#calendar_event_9") is None
    True
    """
    match = ASSIGNMENT_UID.match(uid)
    if match:
        return match.group(1)
    if is_override_uid(uid) and url:
        fragment = _FRAGMENT.match(urlsplit(url).fragment)
        return fragment.group(1) if fragment else None
    return None


def split_summary(summary: str, *, override: bool = False) -> tuple[str, str]:
    """``(title, course code)`` of a Canvas feed ``SUMMARY``; the code is ``""`` without a ``[code]`` suffix.

    Parameters
    ----------
    summary : str
        ``"<title> [<course code>]"``, with ``" (<override title>)"`` before
        the code on override events.
    override : bool, default False
        The event has an override UID (:func:`is_override_uid`): the last
        parenthesised part of the title is the override's name and is dropped.

    Returns
    -------
    tuple of (str, str)
        Title and course code, both stripped.

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import split_summary
    >>> split_summary("Essay 2 (Section B) [HIST 101]", override=True)
    ('Essay 2', 'HIST 101')
    >>> split_summary("Office hours")
    ('Office hours', '')
    """
    match = _CODE_SUFFIX.match(summary)
    title, code = (match.group(1), match.group(2).strip()) if match else (summary, "")
    if override:
        stripped = _OVERRIDE_SUFFIX.match(title)
        title = stripped.group(1) if stripped else title
    return title.strip(), code


# --------------------------------------------------------------------------
# Kinds
# --------------------------------------------------------------------------

QUIZ_TYPE = "online_quiz"
"""The ``submission_types`` entry of a classic quiz."""

DISCUSSION_TYPE = "discussion_topic"
"""The ``submission_types`` entry of a graded discussion."""

PLANNER_ASSIGNMENT_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "assignment": (),
    "quiz": (QUIZ_TYPE,),
    "discussion_topic": (DISCUSSION_TYPE,),
    "sub_assignment": (),
})
"""Planner ``plannable_type`` values that are assignments → the submission types they imply.

Other types (``calendar_event``, ``wiki_page``, ``planner_note``,
``announcement``, ``assessment_request``…) are not assignments.
"""


def _types(assignment: Mapping[str, Any]) -> list[str]:
    types = assignment.get("submission_types") or []
    return [types] if isinstance(types, str) else [str(t) for t in types]


def is_quiz(assignment: Mapping[str, Any]) -> bool:
    """Whether Canvas marks an assignment (REST JSON) as a quiz, classic or New Quizzes.

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import is_quiz
    >>> is_quiz({"quiz_id": 4}), is_quiz({"is_quiz_lti_assignment": True}), is_quiz({"submission_types": ["online_upload"]})
    (True, True, False)
    """
    return (
        assignment.get("quiz_id") is not None
        or bool(assignment.get("is_quiz_assignment"))
        or bool(assignment.get("is_quiz_lti_assignment"))
        or QUIZ_TYPE in _types(assignment)
    )


def is_discussion(assignment: Mapping[str, Any]) -> bool:
    """Whether Canvas marks an assignment (REST JSON) as a graded discussion.

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import is_discussion
    >>> is_discussion({"discussion_topic": {"id": 3}}), is_discussion({"submission_types": ["online_text_entry"]})
    (True, False)
    """
    return assignment.get("discussion_topic") is not None or DISCUSSION_TYPE in _types(assignment)


def submission_types(assignment: Mapping[str, Any]) -> tuple[str, ...]:
    """An assignment's ``submission_types`` plus the ones its quiz or discussion links imply.

    Parameters
    ----------
    assignment : Mapping
        An assignment as ``GET /api/v1/courses/:id/assignments`` returns it.

    Returns
    -------
    tuple of str
        Canvas's types in Canvas's order, then :data:`QUIZ_TYPE` /
        :data:`DISCUSSION_TYPE` if implied and not already listed.

    Examples
    --------
    >>> from muffin_analytics.canvas_rules import submission_types
    >>> submission_types({"submission_types": ["external_tool"], "is_quiz_lti_assignment": True})
    ('external_tool', 'online_quiz')
    """
    found = _types(assignment)
    if is_quiz(assignment) and QUIZ_TYPE not in found:
        found.append(QUIZ_TYPE)
    if is_discussion(assignment) and DISCUSSION_TYPE not in found:
        found.append(DISCUSSION_TYPE)
    return tuple(found)
