"""Key files (0600, created once), the JWKS, and sources.toml."""

from __future__ import annotations

import stat

import pytest

from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import endpoints, keys


def test_a_key_file_is_private_and_created_once(tmp_path):
    first = keys.load_or_create("ours-1", tmp_path)
    path = tmp_path / "ours-1.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = keys.load_or_create("ours-1", tmp_path)
    assert keys.jwk(first.public_key(), "k") == keys.jwk(again.public_key(), "k")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left"


def test_a_bad_key_id_or_a_damaged_file_is_one_line(tmp_path):
    with pytest.raises(ConfigurationError):
        keys.load_or_create("../x", tmp_path)
    (tmp_path / "bad.pem").write_text("nonsense")
    with pytest.raises(ConfigurationError, match="bad.pem"):
        keys.load("bad", tmp_path)


def test_jwks_round_trip(tmp_path):
    key = keys.load_or_create("ours-1", tmp_path).public_key()
    document = keys.jwks({"ours-1": key})
    assert document["keys"][0]["kty"] == "OKP" and "d" not in document["keys"][0]
    back = keys.read_jwks(document)
    assert keys.jwk(back["ours-1"], "ours-1") == document["keys"][0]
    owned = keys.jwks({"ours-1": key}, requester="500111-mzj")
    assert keys.owners(owned) == {"ours-1": "500111-mzj"} and keys.owners(document) == {"ours-1": None}
    (tmp_path / "bad.json").write_text('{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "AAAA"}]}')
    with pytest.raises(ConfigurationError, match="bad.json"):
        keys.read_jwks_file(tmp_path / "bad.json")


def test_sources_toml_round_trip_with_overrides(tmp_path):
    key = keys.load_or_create("tax-1", tmp_path).public_key()
    from jiuzhu.exchange.signing import raw_public

    text = endpoints.render(endpoints.Requester("500111-mzj", "重庆市大足区民政局", "ours-1"),
                            {"tax": ("http://127.0.0.1:8700/", {"tax-1": raw_public(key)}),
                             "bank.cqrcb": ("http://127.0.0.1:8701", {})})
    text += '\n[endpoint."bank.cqrcb".timeout]\nread = 4.0\n'
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    config = endpoints.load(path)
    assert config.requester.key_id == "ours-1"
    tax, bank = config.endpoints["tax"], config.endpoints["bank.cqrcb"]
    assert tax.url == "http://127.0.0.1:8700" and tax.kind == "tax" and tax.read_timeout == 2.0
    assert raw_public(tax.department_key("tax-1")) == raw_public(key) and tax.department_key("x") is None
    assert bank.kind == "bank" and bank.read_timeout == 4.0 and bank.connect_timeout == 0.5


@pytest.mark.parametrize("text,word", [
    ('[requester]\nid = "a"\nname = "b"\nkey_id = "c"\n[endpoint."nowhere"]\nurl = "http://x"\n', "nowhere"),
    ('[requester]\nid = "a"\nname = "b"\nkey_id = "c"\n[endpoint."tax"]\nurl = "ftp://x"\n', "tax"),
    ('[requester]\nid = "a"\nname = "b"\nkey_id = "c"\n[defaults]\nretries = 3\n', "retries"),
    ('[requester]\nid = "a"\n', "requester"),
    ('[requester\n', "sources.toml"),
])
def test_a_wrong_sources_file_is_refused_in_one_line(tmp_path, text, word):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=word) as caught:
        endpoints.load(path)
    assert "\n" not in str(caught.value)


def test_a_missing_sources_file_says_where(tmp_path):
    with pytest.raises(ConfigurationError, match="sources.toml"):
        endpoints.load(tmp_path / "sources.toml")
