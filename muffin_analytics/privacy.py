"""Salted pseudonyms for student identifiers.

A pseudonym is ``HMAC-SHA256(salt, identifier)``, hex encoded and truncated
(16 hex characters = 64 bits by default: collisions are negligible for any
cohort, and the identifier cannot be recovered or confirmed without the salt).

**Where the salt comes from** (:func:`resolve_salt`): the ``salt`` argument;
else the environment variable ``MUFFIN_PSEUDONYM_SALT``; else 32 random bytes
drawn for this call only.  With a random salt the pseudonyms of two calls
cannot be linked to each other — the safe default for a one-off export.  Set
the variable (or pass the salt) when tables loaded at different times must be
joined; keep it secret, since anyone holding it can test guesses of
identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["SALT_ENV", "DEFAULT_LENGTH", "resolve_salt", "pseudonym", "pseudonymize"]

SALT_ENV = "MUFFIN_PSEUDONYM_SALT"
"""Environment variable holding the pseudonymization salt."""

DEFAULT_LENGTH = 16
"""Hex characters kept from the HMAC (64 bits)."""


def resolve_salt(salt: str | bytes | None = None) -> bytes:
    """The salt to use: the argument, else ``$MUFFIN_PSEUDONYM_SALT``, else random.

    Parameters
    ----------
    salt : str or bytes, optional
        Strings are UTF-8 encoded.  An empty salt is refused.

    Returns
    -------
    bytes

    Examples
    --------
    >>> from muffin_analytics.privacy import resolve_salt
    >>> resolve_salt("pepper")
    b'pepper'
    >>> len(resolve_salt(None)) >= 16  # env var or 32 random bytes
    True
    """
    if salt is None:
        env = os.environ.get(SALT_ENV)
        if env:
            return env.encode("utf-8")
        return secrets.token_bytes(32)
    value = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
    if not value:
        raise InputError("the pseudonymization salt must not be empty")
    return value


def pseudonym(identifier: object, salt: str | bytes, length: int = DEFAULT_LENGTH) -> str:
    """Pseudonym of one identifier.

    Parameters
    ----------
    identifier : object
        Converted with ``str()``.
    salt : str or bytes
    length : int, default 16
        Hex characters to keep (4–64).

    Returns
    -------
    str

    Examples
    --------
    >>> from muffin_analytics.privacy import pseudonym
    >>> p = pseudonym("uni:12345", "pepper")
    >>> len(p), p == pseudonym("uni:12345", "pepper"), p == pseudonym("uni:12345", "salt")
    (16, True, False)
    """
    if not 4 <= length <= 64:
        raise InputError(f"pseudonym length must be 4..64 hex characters, got {length}")
    key = resolve_salt(salt)
    return hmac.new(key, str(identifier).encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def pseudonymize(
    df: pd.DataFrame,
    salt: str | bytes | None = None,
    columns: Iterable[str] = ("student",),
    length: int = DEFAULT_LENGTH,
) -> pd.DataFrame:
    """Replace identifier columns by their pseudonyms.

    Parameters
    ----------
    df : pandas.DataFrame
    salt : str or bytes, optional
        See :func:`resolve_salt`; resolved once, so one call is consistent.
    columns : iterable of str, default ("student",)
    length : int, default 16

    Returns
    -------
    pandas.DataFrame
        A copy; missing values stay missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from muffin_analytics.privacy import pseudonymize, pseudonym
    >>> out = pseudonymize(pd.DataFrame({"student": ["ann", "bob", "ann"]}), "pepper")
    >>> out["student"].nunique(), out.loc[0, "student"] == pseudonym("ann", "pepper")
    (2, True)
    """
    key = resolve_salt(salt)
    out = df.copy()
    for col in columns:
        if col not in out.columns:
            raise InputError(f"no column {col!r} to pseudonymize")
        values = out[col]
        uniques = pd.unique(values.dropna())
        mapping = {u: pseudonym(u, key, length) for u in uniques}
        mapped = values.map(mapping)
        out[col] = pd.Series(np.where(values.isna(), np.nan, mapped.to_numpy(dtype=object)), index=out.index, dtype="str")
    return out
