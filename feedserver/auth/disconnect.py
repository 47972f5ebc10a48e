"""Disconnecting: the student leaves, and everything we hold about them goes.

Order matters: revoke at Canvas first (that needs the stored token), then
delete the student row, which cascades to tokens, courses, assignments, feed
tokens, rendered feeds, sync runs and planned sessions. Feed URLs answer 404
from that moment, because a feed is found only through its token's row.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ..store.students import delete_student
from ..typedefs import db_key
from .appkeys import token_store_key

__all__ = ["disconnect_student"]

_LOGGER = logging.getLogger(__name__)


async def disconnect_student(app: web.Application, student_id: int) -> bool:
    """Revoke the Canvas grant (best effort) and delete the student; False if already gone."""
    await app[token_store_key].revoke(student_id)
    deleted = await delete_student(app[db_key], student_id)
    if deleted:
        _LOGGER.info("student %s disconnected; their data is deleted", student_id)
    return deleted
