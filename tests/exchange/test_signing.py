"""RFC 9421 signatures with Ed25519 and RFC 9530 digests: the RFC's own vector, the round trip, and each
tampering refused with its reason."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, algorithms
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.exchange import signing
from jiuzhu.exchange.signing import RequestMessage, ResponseMessage, SignatureRefused

# RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 (the signature of the example request).
RFC_D = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
RFC_X = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
RFC_B26 = "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
KEY = Ed25519PrivateKey.generate()
URL = "http://127.0.0.1:8701/v1/query"
NOW = 1_767_576_723


def _rfc_request() -> RequestMessage:
    return RequestMessage("POST", "https://example.com/foo?param=Value&Pet=dog", {
        "Host": "example.com", "Date": "Tue, 20 Apr 2021 02:07:55 GMT", "Content-Type": "application/json",
        "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXv"
                          "Jwew==:", "Content-Length": "18"})


def test_rfc_9421_ed25519_example_b26():
    key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC_D + "="))
    assert signing.raw_public(key.public_key()) == RFC_X
    message = _rfc_request()
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=signing._Keys(private=key)).sign(
        message, key_id="test-key-ed25519", created=dt.datetime.fromtimestamp(1618884473, dt.timezone.utc),
        include_alg=False, label="sig-b26", use_existing_digest=True,
        covered_component_ids=("date", "@method", "@path", "@authority", "content-type", "content-length"))
    assert message.headers["Signature-Input"] == ('sig-b26=("date" "@method" "@path" "@authority" "content-type" '
                                                  '"content-length");created=1618884473;keyid="test-key-ed25519"')
    assert message.headers["Signature"] == f"sig-b26=:{RFC_B26}:"


def test_content_digest_rfc_9530_example():
    # RFC 9530 §2 example: {"hello": "world"}
    assert signing.content_digest(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def _signed(body: bytes = b'{"a": 1}', request_id: str = "r-1", now: int = NOW) -> RequestMessage:
    message = RequestMessage("POST", URL, {"Content-Type": "application/json", "X-Request-Id": request_id})
    signing.sign(message, body, KEY, "ours-1", now=now)
    return message


def _keys(kid: str):
    return KEY.public_key() if kid == "ours-1" else None


def test_a_signed_request_verifies_and_covers_the_agreed_components():
    message = _signed()
    got = signing.verify(message, b'{"a": 1}', _keys, now=NOW + 5)
    assert got.keyid == "ours-1" and got.created == NOW and got.expires == NOW + signing.LIFETIME_SECONDS
    assert message.headers["Signature-Input"].startswith(
        'jz=("@method" "@target-uri" "content-digest" "x-request-id");created=')


def _refusal(message, body=b'{"a": 1}', keys=_keys, now=NOW + 5) -> str:
    with pytest.raises(SignatureRefused) as caught:
        signing.verify(message, body, keys, now=now)
    return caught.value.code


def test_each_tampering_is_refused_with_its_reason():
    assert _refusal(_signed(), body=b'{"a": 2}') == "digest_mismatch"
    changed = _signed()
    changed.headers["X-Request-Id"] = "r-2"
    assert _refusal(changed) == "signature_invalid"
    elsewhere = _signed()
    elsewhere.url = "http://127.0.0.1:8702/v1/query"  # replayed at another endpoint
    assert _refusal(elsewhere) == "signature_invalid"
    digest_too = _signed()
    digest_too.headers["Content-Digest"] = signing.content_digest(b'{"a": 2}')
    assert _refusal(digest_too, body=b'{"a": 2}') == "signature_invalid"
    assert _refusal(_signed(), keys=lambda kid: None) == "unknown_key"
    other = Ed25519PrivateKey.generate().public_key()
    assert _refusal(_signed(), keys=lambda kid: other) == "signature_invalid"
    bare = _signed()
    del bare.headers["Signature"]
    assert _refusal(bare) == "signature_invalid"


def test_an_old_or_expired_or_future_signature_is_stale():
    assert _refusal(_signed(), now=NOW + signing.LIFETIME_SECONDS + 1) == "stale_request"
    assert _refusal(_signed(), now=NOW - signing.FRESHNESS_SECONDS - 1) == "stale_request"


def test_fewer_components_than_agreed_are_refused():
    message = RequestMessage("POST", URL, {"X-Request-Id": "r-1"})
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=signing._Keys(private=KEY)).sign(
        message, key_id="ours-1", created=dt.datetime.fromtimestamp(NOW, dt.timezone.utc), label="jz",
        covered_component_ids=("@method", "@target-uri"), body=b"{}")
    assert _refusal(message, body=b"{}") == "signature_invalid"


def test_a_response_signature_covers_the_status():
    message = ResponseMessage(200, {"Content-Type": "application/json", "X-Request-Id": "r-1"})
    signing.sign(message, b"{}", KEY, "ours-1", now=NOW)
    assert signing.verify(message, b"{}", _keys, now=NOW).keyid == "ours-1"
    message.status_code = 203
    assert _refusal(message, body=b"{}") == "signature_invalid"


@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=300), request_id=st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True),
       skew=st.integers(-signing.FRESHNESS_SECONDS, signing.LIFETIME_SECONDS))
def test_sign_then_verify_holds_for_any_body_and_id(body, request_id, skew):
    message = _signed(body, request_id)
    assert signing.verify(message, body, _keys, now=NOW + skew).keyid == "ours-1"
    if body:
        assert _refusal(message, body=body[:-1], now=NOW) == "digest_mismatch"
