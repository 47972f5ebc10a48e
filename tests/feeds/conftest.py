"""Feed tests share the sync tests' fixtures: the app on a real socket and a controllable sync service."""

from tests.sync.conftest import clock, muffin_port, service, sleeps  # noqa: F401  (re-exported fixtures)
