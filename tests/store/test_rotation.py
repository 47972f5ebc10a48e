"""`muffin-feed rotate-key`: after it, the old key can go and nothing stored is lost."""

from __future__ import annotations

from feedserver.crypto import TokenCipher
from feedserver.feeds.tokens import (
    current_feed_token,
    issue_feed_token,
    resolve_feed_token,
)
from feedserver.secure import Secret
from feedserver.store.rotation import rotate_encryption
from feedserver.store.students import upsert_student
from tests.store.fixtures import Store

OLD = Secret("old-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
NEW = Secret("new-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")


async def test_feed_urls_survive_rotation_and_dropping_the_old_key(store: Store) -> None:
    db = store.db
    student_id = await upsert_student(db, "north", "101", "Ada")
    token = await issue_feed_token(db, TokenCipher([OLD]), student_id)

    rotated = await rotate_encryption(db, TokenCipher([NEW, OLD]))

    assert rotated >= 1
    # Same URL as before the rotation, readable with the new key alone.
    assert await current_feed_token(db, TokenCipher([NEW]), student_id) == token
    assert await resolve_feed_token(db, token) == (student_id, "all")
