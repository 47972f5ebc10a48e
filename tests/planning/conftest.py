"""Planning tests use the sync tests' fixtures: the app on a real socket, a pinned clock, instant sleeps."""

from tests.sync.conftest import clock, muffin_port, service, sleeps  # noqa: F401  (re-exported fixtures)
