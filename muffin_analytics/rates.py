"""The one table of effort rates, with a source for every number.

The table lives in ``muffin_analytics/data/rates.csv`` (columns ``rate``,
``value``, ``unit``, ``source``, ``note``) so that it can be read, reviewed and
edited without touching code.  Reading and writing rates come from the Rice /
Wake Forest course workload estimator; every number without a research basis
says ``assumed`` in its ``source`` and should be replaced by calibration
(:func:`muffin_analytics.effort.calibrate`).

Rate names are dotted paths, e.g. ``reading.understand.600.some`` (pages per
hour when reading to understand a 600-word page with some new concepts) or
``writing.argument.250.minimal`` (hours per double-spaced page of argument,
minimal drafting).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import InputError

__all__ = ["RATES_FILE", "load_rates", "rates_dict"]

RATES_FILE = "rates.csv"
"""File name of the rate table inside ``muffin_analytics/data``."""

_REQUIRED = ("rate", "value", "unit", "source")


def load_rates(path: str | Path | None = None) -> pd.DataFrame:
    """Read the rate table.

    Parameters
    ----------
    path : str or Path, optional
        An edited copy of the table; default: the packaged
        ``muffin_analytics/data/rates.csv``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rate``; columns ``value`` (float), ``unit``, ``source``,
        ``note``.

    Raises
    ------
    InputError
        If a column is missing, a value is not a positive number, a rate is
        repeated, or a row has no source.

    Examples
    --------
    >>> from muffin_analytics.rates import load_rates
    >>> load_rates().loc["reading.understand.600.some", "value"]
    np.float64(18.0)
    """
    if path is None:
        with resources.files("muffin_analytics").joinpath("data", RATES_FILE).open("r", encoding="utf-8") as fh:
            table = pd.read_csv(fh, dtype={"rate": "str", "unit": "str", "source": "str", "note": "str"})
    else:
        table = pd.read_csv(path, dtype={"rate": "str", "unit": "str", "source": "str", "note": "str"})
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise InputError(f"rate table lacks column(s) {missing}")
    values = pd.to_numeric(table["value"], errors="coerce")
    bad = values.isna() | (values <= 0)
    if bad.any():
        raise InputError(f"rate table: values must be positive numbers: {table.loc[bad, 'rate'].tolist()}")
    if table["rate"].duplicated().any():
        raise InputError(f"rate table: repeated rates {table.loc[table['rate'].duplicated(), 'rate'].tolist()}")
    if table["source"].isna().any():
        raise InputError(f"rate table: rates without a source {table.loc[table['source'].isna(), 'rate'].tolist()}")
    table = table.assign(value=values.astype("float64"))
    if "note" not in table.columns:
        table = table.assign(note="")
    return table.set_index("rate")


def rates_dict(path: str | Path | None = None) -> dict[str, float]:
    """The rate table as ``{rate: value}``.

    Examples
    --------
    >>> from muffin_analytics.rates import rates_dict
    >>> rates_dict()["exam.study_hours"]
    5.0
    """
    return {str(k): float(v) for k, v in load_rates(path)["value"].items()}
