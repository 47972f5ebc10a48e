"""What the course and school pages read: the view, its chart, and the sealed grants of their forms.

The LTI launch (lti/landing.py) and this package's own form handlers render
the same templates (``instructor/course.html``, ``instructor/school.html``)
from these contexts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from markupsafe import Markup

from ..config import Institution
from .appkeys import insights_key
from .chart import weeks_svg
from .grants import Grant
from .records import CourseView

__all__ = ["COURSE_TEMPLATE", "SCHOOL_TEMPLATE", "course_context", "school_context", "what_if_context"]

COURSE_TEMPLATE = "instructor/course.html"
SCHOOL_TEMPLATE = "instructor/school.html"


async def course_context(app: web.Application, institution: Institution, canvas_course_id: str, *,
                         title: str = "", school_grant: bool = False) -> dict[str, Any]:
    """The course page of `canvas_course_id`; with `school_grant`, a link to the school view too."""
    view = await app[insights_key].course(institution, canvas_course_id, title)
    return _course_page(app, institution, canvas_course_id, view, title=title, school_grant=school_grant)


async def what_if_context(app: web.Application, institution: Institution, canvas_course_id: str, *,
                          canvas_assignment_id: str, new_due: date, title: str = "") -> dict[str, Any]:
    """The course page with what moving one deadline changes. Raises LookupError for a foreign assignment."""
    view, result = await app[insights_key].what_if(institution, canvas_course_id, canvas_assignment_id, new_due,
                                                   title)
    return {**_course_page(app, institution, canvas_course_id, view, title=title),
            "what_if": result, "picked": canvas_assignment_id}


def _course_page(app: web.Application, institution: Institution, canvas_course_id: str, view: CourseView, *,
                 title: str, school_grant: bool = False) -> dict[str, Any]:
    grants = app[insights_key].grants
    return {
        "institution": institution,
        "view": view,
        "chart": Markup(weeks_svg(view.weeks, course=view.course_name)) if view.weeks else None,
        "grant": grants.seal(Grant(institution.slug, canvas_course_id, view.course_name or title)),
        "school_grant": grants.seal(Grant(institution.slug, None)) if school_grant else None,
        "what_if": None,
    }


async def school_context(app: web.Application, institution: Institution) -> dict[str, Any]:
    insights = app[insights_key]
    return {
        "institution": institution,
        "view": await insights.school(institution),
        "grant": insights.grants.seal(Grant(institution.slug, None)),
    }
