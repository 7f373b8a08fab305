"""The catalogues are complete: every message the code passes to ``t`` or ``N_`` has a Chinese text with the
same fields; and a user who asks for Chinese reads Chinese."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from jiuzhu import i18n
from jiuzhu.i18n import t, use_language

SRC = Path(__file__).resolve().parents[1] / "src" / "jiuzhu"
KEYWORDS = {"t": None, "N_": None}
# The pages' templates call the same ``t`` (``{{ t("Sign in") }}``): their messages are in the one catalogue too.
METHODS = [("**.py", "python"), ("web/templates/**.html", "jinja2")]


def _messages() -> dict[str, str]:
    """msgid → where it is used (the first place)."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            SRC, keywords=KEYWORDS, method_map=METHODS):
        if isinstance(message, tuple):
            message = message[0]
        if message:
            found.setdefault(message, f"{filename}:{lineno}")
    return found


def _catalogue() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((SRC / "locale" / "zh").glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale="zh"):
                if message.id:
                    assert out.get(message.id, message.string) == message.string, \
                        f"{path.name}: {message.id!r} has another translation in another catalogue"
                    out[message.id] = message.string
    return out


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_a_chinese_text_with_the_same_fields():
    messages, catalogue = _messages(), _catalogue()
    assert len(messages) > 20, "the extraction found almost no message: is the keyword list right?"
    missing = {m: where for m, where in messages.items() if not catalogue.get(m)}
    entries = "\n".join(f"#: {where}\nmsgid {_po(m)}\nmsgstr \"\"\n" for m, where in sorted(missing.items()))
    assert not missing, (f"{len(missing)} messages have no Chinese text; add them to "
                         f"src/jiuzhu/locale/zh/<capability>.po:\n{entries}")
    wrong = {m: catalogue[m] for m in messages if _fields(m) != _fields(catalogue[m])}
    assert not wrong, f"translations whose fields differ from their message's: {wrong}"


def test_no_catalogue_entry_is_left_unused():
    unused = sorted(set(_catalogue()) - set(_messages()))
    assert not unused, f"catalogue entries no code uses (remove them): {unused}"


def _po(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_chinese_is_the_default_and_english_on_request(monkeypatch):
    monkeypatch.delenv("JIUZHU_LANG", raising=False)
    msgid = "required"
    assert i18n.language() == "zh" and t(msgid) != msgid and re.search(r"[\u4e00-\u9fff]", t(msgid))
    with use_language("en"):
        assert t(msgid) == msgid
    monkeypatch.setenv("JIUZHU_LANG", "en")
    assert i18n.language() == "en"


def test_an_unknown_language_is_refused_by_name():
    from jiuzhu.errors import JiuzhuError

    with pytest.raises(JiuzhuError, match="fr"):
        i18n.set_language("fr")


def test_one_check_of_a_language_names_where_it_came_from(zh):
    from jiuzhu.errors import ConfigurationError, JiuzhuError

    assert i18n.check_language("en") == "en" and i18n.check_language("zh", "--lang") == "zh"
    assert i18n.check_language("en_US.UTF-8", "JIUZHU_LANG") == "en"  # the setting is read as LANG is
    with pytest.raises(JiuzhuError, match="^--lang：不支持的语言“fr”") as refused:
        i18n.check_language("fr", "--lang")
    assert not isinstance(refused.value, ConfigurationError)  # an input refused (exit code 2), not a setting
    with pytest.raises(ConfigurationError, match="^JIUZHU_LANG：.*“fr_FR”.*zh"):
        i18n.check_language("fr_FR", "JIUZHU_LANG")
    with pytest.raises(JiuzhuError, match="en_US"):
        i18n.check_language("en_US")  # an option or an API call names the language exactly
