"""What the course and school pages read: the view, its chart, and the sealed grants of their forms.

The LTI launch (lti/landing.py) and this package's own form handlers render
the same templates (``instructor/course.html``, ``instructor/school.html``)
from these contexts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup

from ..config import Institution
from .appkeys import insights_key
from .chart import weeks_svg
from .grants import Grant

__all__ = ["COURSE_TEMPLATE", "SCHOOL_TEMPLATE", "course_context", "school_context"]

COURSE_TEMPLATE = "instructor/course.html"
SCHOOL_TEMPLATE = "instructor/school.html"


async def course_context(app: web.Application, institution: Institution, canvas_course_id: str, *,
                         title: str = "", school_grant: bool = False) -> dict[str, Any]:
    """The course page of `canvas_course_id`; with `school_grant`, a link to the school view too."""
    insights = app[insights_key]
    view = await insights.course(institution, canvas_course_id, title)
    grant = Grant(institution.slug, canvas_course_id, view.course_name or title)
    return {
        "institution": institution,
        "view": view,
        "chart": Markup(weeks_svg(view.weeks, course=view.course_name)) if view.weeks else None,
        "grant": insights.grants.seal(grant),
        "school_grant": insights.grants.seal(Grant(institution.slug, None)) if school_grant else None,
    }


async def school_context(app: web.Application, institution: Institution) -> dict[str, Any]:
    insights = app[insights_key]
    return {
        "institution": institution,
        "view": await insights.school(institution),
        "grant": insights.grants.seal(Grant(institution.slug, None)),
    }
