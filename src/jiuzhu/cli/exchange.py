"""``jiuzhu exchange key``: the public half of the installation's exchange signing key, as a JWKS.

Each department pins it (and the department simulator reads it with ``--requesters``): requests and consent
assertions are signed with the private half, kept in ``<home>/exchange/keys/<kid>.pem`` (mode 0600, made on first
use; docs/exchange.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.cli.output import say
from jiuzhu.config import get_settings
from jiuzhu.errors import RecordError
from jiuzhu.files import atomic_output, check_output
from jiuzhu.i18n import N_, t

KID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # also a file name: no path, no dot first


def exchange_key(
    kid: Annotated[str | None, typer.Option(help=N_(
        "the key's id (default: jiuzhu-<first code of JIUZHU_JURISDICTION>)"))] = None,
    out: Annotated[Path | None, typer.Option(help=N_("write the JWKS to this file (default: print it)"))] = None,
) -> None:
    from jiuzhu.exchange import keys

    kid = kid or f"jiuzhu-{get_settings().jurisdiction[0]}"
    if not KID.fullmatch(kid):
        raise RecordError("--kid", "kid", t("{kid}: letters, digits, '.', '_' and '-' only, at most 64, not "
                                            "starting with '.' or '-'", kid=kid))
    if out is not None:
        check_output(out, {".json"}, "--out")
    document = json.dumps(keys.jwks({kid: keys.load_or_create(kid).public_key()}), ensure_ascii=False, indent=1)
    if out is None:
        print(document)
        return
    with atomic_output(out) as tmp:
        Path(tmp).write_text(document + "\n", encoding="utf-8")
    say(t("wrote the public key {kid} to {path}", kid=kid, path=out))
