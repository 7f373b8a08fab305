"""Consent assertions: issued for one person, one source, a scope and a purpose, for minutes; anything else is
refused with its reason."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.exchange import assertions
from jiuzhu.exchange.assertions import AssertionRefused, Consent

KEY = Ed25519PrivateKey.generate()
NOW = 1_767_576_723
ID = "500111198703124518"
CONSENT = Consent(record_id="CR-1", id_number=ID, categories=("deposit", "income"), sources=("bank", "tax"),
                  purpose_kind="review", purpose_ref="2026年低保复核")


def _token(consent: Consent = CONSENT, audience: str = "bank", **kw) -> str:
    return assertions.issue(consent, audience=audience, issuer="500111-mzj", key=KEY, kid="ours-1", now=NOW, **kw)


def _check(token: str, **over) -> dict:
    args = dict(public_key=lambda kid: KEY.public_key() if kid == "ours-1" else None, issuer="500111-mzj",
                audience="bank", id_number=ID, categories=["deposit"], purpose_kind="review",
                allowed_purposes=("application", "review"), now=NOW + 60) | over
    return assertions.verify(token, **args)


def _code(token: str, **over) -> str:
    with pytest.raises(AssertionRefused) as caught:
        _check(token, **over)
    return caught.value.code


def test_a_valid_assertion_carries_the_consent_and_names_nobody_in_clear():
    token = _token()
    claims = _check(token)
    assert claims["cid"] == "CR-1" and claims["aud"] == "bank" and claims["exp"] == NOW + 600
    assert claims["sub"] == assertions.subject_hash(ID) and ID not in token


def test_each_failure_has_its_reason():
    assert _code(_token(), audience="tax") == "consent_scope"  # issued for the banks
    assert _code(_token(audience="insurer")) == "consent_scope"  # a source outside the scope
    assert _code(_token(), categories=["deposit", "vehicles"]) == "consent_scope"
    assert _code(_token(), id_number="500111201205300021") == "subject_mismatch"
    assert _code(_token(), now=NOW + 600 + assertions.LEEWAY_SECONDS + 1) == "consent_expired"
    assert _code(_token(), now=NOW - assertions.LEEWAY_SECONDS - 1) == "consent_expired"
    assert _code(_token(), purpose_kind="application") == "purpose_not_allowed"
    assert _code(_token(), allowed_purposes=("application",)) == "purpose_not_allowed"
    assert _code(_token(), issuer="500112-mzj") == "consent_invalid"
    assert _code(_token(), public_key=lambda kid: None) == "consent_invalid"
    assert _code(_token(), public_key=lambda kid: Ed25519PrivateKey.generate().public_key()) == "consent_invalid"
    assert _code("not.a.jws") == "consent_invalid"


def test_a_tampered_payload_is_refused():
    head, _payload, sig = _token().split(".")
    other = _token(Consent(**{**CONSENT.__dict__, "record_id": "CR-2"})).split(".")[1]
    assert _code(f"{head}.{other}.{sig}") == "consent_invalid"


def test_the_assertion_never_outlives_its_consent_record():
    until = dt.datetime.fromtimestamp(NOW + 120, dt.timezone.utc)
    token = _token(Consent(**{**CONSENT.__dict__, "valid_until": until}))
    assert _check(token)["exp"] == NOW + 120
    assert _code(token, now=NOW + 120 + assertions.LEEWAY_SECONDS + 1) == "consent_expired"


@settings(max_examples=30, deadline=None)
@given(cid=st.from_regex(r"CR-[0-9a-f]{8}", fullmatch=True), idn=st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
       cats=st.lists(st.sampled_from(["deposit", "income", "vehicles", "property"]), min_size=1, unique=True))
def test_issue_then_verify_round_trip(cid, idn, cats):
    consent = Consent(record_id=cid, id_number=idn, categories=tuple(cats), sources=("bank",),
                      purpose_kind="application", purpose_ref="申请")
    claims = _check(_token(consent), id_number=idn, categories=cats, purpose_kind="application")
    assert claims["cid"] == cid and claims["scope"]["categories"] == cats
