"""Fixtures of the auth tests (shared ones live in fixtures.py for tests/e2e to import)."""

from tests.auth.fixtures import make_muffin  # noqa: F401  (re-exported fixture)
