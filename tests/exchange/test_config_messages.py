"""sources.toml, a key set (JWKS) and a key file that are missing, broken or wrong (issue 13, found by a newcomer):
one line in the reader's words — Chinese, no parser's English — naming the file (and the table and setting); an
unknown setting, even inside an inline table, is refused, never accepted."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange import endpoints, keys

REQUESTER = '[requester]\nid = "500111-mzj"\nname = "重庆市大足区民政局"\nkey_id = "k1"\n'
ENGLISH = re.compile(r"Errno|Expecting|Expected|Invalid|invalid|object|codec|decode|line \d+ column")


def _refused(call) -> str:
    with pytest.raises(ConfigurationError) as exc:
        call()
    message = exc.value.message
    assert not ENGLISH.search(message), message
    assert len(message.splitlines()) == 1
    return message


@pytest.mark.parametrize("content, expected", [
    (None, "没有数据来源配置文件"),
    ("[requester\nid = 1\n", "不是有效的 TOML（第 1 行"),
    ("[requester]\nid = 'x'\nname =", "不是有效的 TOML"),
    (b"\xb2\xe2\xca\xd4 = 1\n", "不是 UTF-8"),
])
def test_a_missing_or_broken_sources_file_is_said_in_chinese(tmp_path, zh, content, expected):
    path = tmp_path / "sources.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    message = _refused(lambda: endpoints.load(path))
    assert expected in message and str(path) in message, message


def test_a_folder_for_the_sources_file_is_said(tmp_path, zh):
    assert "文件夹" in _refused(lambda: endpoints.load(tmp_path))


@pytest.mark.parametrize("toml, named", [
    ("[defaults]\ntimeout = { connect = 0.5, raed = 2.0 }\n", ["[defaults]", "timeout", "raed"]),
    ('[endpoint."tax"]\nurl = "http://127.0.0.1:1"\nbreaker = { failures = 3, windows = 10 }\n',
     ["[endpoint.tax]", "breaker", "windows"]),
    ("[defaults]\ntimeout = 3\n", ["[defaults]", "timeout", "connect"]),
    ('[defaults]\nattempts = "3"\n', ["[defaults]", "attempts", "整数"]),
    ("[defaults]\nrate_limit = { per_second = -1 }\n", ["rate_limit.per_second", "大于 0"]),
    ("[requestor]\nid = 1\n", ["requestor"]),
    ('[endpoint."tax"]\nurl = "http://127.0.0.1:1"\ndepartment_keys = { "k" = "not-a-key" }\n',
     ["[endpoint.tax]", "department_keys k", "Ed25519"]),
])
def test_a_wrong_setting_is_refused_by_file_table_and_name(tmp_path, zh, toml, named):
    path = tmp_path / "sources.toml"
    path.write_text(REQUESTER + toml, encoding="utf-8")
    message = _refused(lambda: endpoints.load(path))
    for words in [str(path), *named]:
        assert words in message, (words, message)


def test_a_good_file_still_loads(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(REQUESTER + '[defaults]\ntimeout = { read = 3.5 }\n[endpoint."tax"]\nurl = "http://x:1"\n',
                    encoding="utf-8")
    tax = endpoints.load(path).endpoints["tax"]
    assert (tax.connect_timeout, tax.read_timeout, tax.attempts) == (0.5, 3.5, 3)


@pytest.mark.parametrize("content, expected", [
    (None, "文件不存在"),
    ("{not json", "不是 JSON 格式（第 1 行"),
    ('["keys"]', "不是公钥集"),
    ('{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": "short"}]}', "k1 不是 Ed25519 公钥"),
])
def test_a_missing_or_broken_key_set_is_said_in_chinese(tmp_path, zh, content, expected):
    path = tmp_path / "requesters.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    message = _refused(lambda: keys.read_jwks_document(path))
    assert expected in message and str(path) in message, message


def test_a_damaged_key_file_is_said_in_chinese(tmp_path, zh):
    (tmp_path / "k1.pem").write_text("-----BEGIN PRIVATE KEY-----\nbroken\n", encoding="utf-8")
    assert "已损坏" in _refused(lambda: keys.load("k1", tmp_path))
    (tmp_path / "k2.pem").mkdir()
    assert "文件夹" in _refused(lambda: keys.load("k2", tmp_path))


def test_the_simulator_with_a_broken_key_set_is_one_chinese_line(tmp_path, zh):
    requesters = tmp_path / "requesters.json"
    requesters.write_text(json.dumps({"keys": "k1"}), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate-departments", "--data", str(tmp_path), "--requesters",
                                      str(requesters), "--state", str(tmp_path / "state"), "--port-base", "0"])
    lines = result.output.strip().splitlines()
    assert result.exit_code != 0 and len(lines) == 1 and "不是公钥集" in lines[0], result.output
