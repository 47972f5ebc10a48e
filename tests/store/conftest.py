"""Store tests: a migrated database and a second engine on it."""

from tests.store.fixtures import other_process, store  # noqa: F401  (re-exported fixtures)
