"""Small builders shared by the analytics tests."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, settings

# Few examples per property keep the whole analytics suite well under a
# minute; applied per test so other suites keep their own hypothesis settings.
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame(rows: list[dict], **defaults) -> pd.DataFrame:
    """A conformed assignments table from a few dicts (tests read better with strings)."""
    from muffin_analytics.schema import conform

    table = pd.DataFrame([{**defaults, **r} for r in rows])
    return conform(table)
