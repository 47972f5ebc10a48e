"""Feed tests share the sync tests' fixtures (the app on a real socket, a controllable sync service) and the store's."""

from tests.store.fixtures import other_process, store  # noqa: F401  (re-exported fixtures)
from tests.sync.conftest import clock, muffin_port, service, sleeps  # noqa: F401  (re-exported fixtures)
