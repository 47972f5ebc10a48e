"""Salted pseudonyms: HMAC-SHA256, truncated; salt from argument, env var, or random."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from muffin_analytics.errors import InputError
from muffin_analytics.privacy import DEFAULT_LENGTH, SALT_ENV, pseudonym, pseudonymize, resolve_salt


def reference(value: str, salt: bytes, length: int = DEFAULT_LENGTH) -> str:
    return hmac.new(salt, value.encode(), hashlib.sha256).hexdigest()[:length]


def test_pseudonym_is_truncated_hmac_sha256():
    assert pseudonym("uni:123", "pepper") == reference("uni:123", b"pepper")
    assert pseudonym("uni:123", b"pepper", length=32) == reference("uni:123", b"pepper", 32)
    assert len(pseudonym("x", "s")) == 16


def test_salt_changes_pseudonym():
    assert pseudonym("uni:123", "a") != pseudonym("uni:123", "b")


def test_salt_from_environment(monkeypatch):
    monkeypatch.setenv(SALT_ENV, "from-env")
    assert resolve_salt() == b"from-env"
    assert resolve_salt("arg") == b"arg"  # the argument wins


def test_random_salt_per_call(monkeypatch):
    monkeypatch.delenv(SALT_ENV, raising=False)
    a, b = resolve_salt(), resolve_salt()
    assert a != b and len(a) == 32


def test_empty_salt_refused():
    with pytest.raises(InputError):
        resolve_salt("")


@pytest.mark.parametrize("length", [3, 65])
def test_length_bounds(length):
    with pytest.raises(InputError):
        pseudonym("x", "s", length=length)


def test_pseudonymize_frame(monkeypatch):
    monkeypatch.delenv(SALT_ENV, raising=False)
    df = pd.DataFrame({"student": ["ann", "bob", "ann", None], "x": [1, 2, 3, 4]})
    out = pseudonymize(df, "pepper")
    assert out["student"].iloc[:3].tolist() == [reference("ann", b"pepper"), reference("bob", b"pepper"), reference("ann", b"pepper")]
    assert pd.isna(out["student"].iloc[3])
    assert df["student"].iloc[0] == "ann"  # input untouched
    assert str(out["student"].dtype) == "str"
    # One random salt per call: consistent within the call, unlinkable across calls.
    r1, r2 = pseudonymize(df), pseudonymize(df)
    assert r1["student"].iloc[0] == r1["student"].iloc[2]
    assert r1["student"].iloc[0] != r2["student"].iloc[0]


def test_pseudonymize_unknown_column():
    with pytest.raises(InputError):
        pseudonymize(pd.DataFrame({"a": [1]}), "s", columns=["student"])
