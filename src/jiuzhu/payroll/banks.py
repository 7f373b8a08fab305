"""The banks' file layouts, as configured data: ``banks.toml`` beside this module, or the installation's own
``JIUZHU_HOME/payroll/banks.toml`` (read at each use, so an edit takes effect without a restart).

A layout names the columns in order, the format (TXT with a delimiter, CSV, Excel), the encoding (GBK or UTF-8), a
header row and a totals line (count and sum). A wrong file is the installation's error (``ConfigurationError``),
one line naming the file, the bank and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jiuzhu.errors import ConfigurationError
from jiuzhu.i18n import N_, t

PACKAGED = Path(__file__).with_name("banks.toml")
FILE_COLUMNS = ("seq", "name", "account", "amount", "id_number", "memo", "branch", "interbank_no", "bank")
RETURN_COLUMNS = ("seq", "account", "name", "amount", "result", "reason", "-")
FORMATS = ("txt", "csv", "xlsx")
# The failure codes of a return line (domain.md §11), with their words; a reason the bank's table does not map is
# "other", its text kept.
FAILURE_CODES = {
    "no_account": N_("account does not exist"),
    "abnormal_status": N_("abnormal account status"),
    "closed": N_("account closed"),
    "frozen": N_("account frozen"),
    "lost": N_("reported lost"),
    "dormant": N_("dormant account"),
    "card_deactivated": N_("card deactivated"),
    "card_not_activated": N_("card not activated"),
    "name_mismatch": N_("name does not match the account"),
    "wrong_id": N_("wrong ID number"),
    "other": N_("other reason (the bank's words kept)"),
}
BAD_LAYOUT = N_("bank layouts {path}: bank {bank}: {key}: {reason}")


@dataclass(frozen=True)
class Layout:
    format: str
    columns: tuple[str, ...]
    encoding: str = "utf-8"
    delimiter: str = ","
    header: bool = False
    totals: str = "none"  # first | last | none
    totals_label: str = "合计"
    paid: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    layout: Layout
    returns: Layout


@dataclass(frozen=True)
class Banks:
    path: Path
    default_bank: str
    banks: dict[str, Bank]
    others: dict[str, str]

    def name_of(self, code: str) -> str | None:
        bank = self.banks.get(code)
        return bank.name if bank else self.others.get(code)

    def all_names(self) -> list[str]:
        """Every bank's name: those with a layout first, then the others (paid through the default bank)."""
        return [b.name for b in self.banks.values()] + list(self.others.values())

    def disbursing(self, account_bank: str) -> Bank:
        """The bank whose file pays an account of ``account_bank``: its own, else the default (跨行)."""
        return self.banks.get(account_bank) or self.banks[self.default_bank]

    def get(self, code: str, field: str | None = "bank") -> Bank:
        from jiuzhu.errors import JiuzhuError

        if code not in self.banks:
            raise JiuzhuError(t("bank {bank} has no file layout (known: {known})", bank=self.name_of(code) or code,
                                known="、".join(f"{b.name}（{c}）" for c, b in sorted(self.banks.items()))),
                              field=field)
        return self.banks[code]


def layouts_path() -> Path:
    from jiuzhu.config import get_settings

    own = get_settings(strict=False).home / "payroll" / "banks.toml"
    return own if own.is_file() else PACKAGED


def load(path: Path | None = None) -> Banks:
    path = path or layouts_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(t(BAD_LAYOUT, path=path, bank="-", key="-", reason=str(exc))) from None
    banks = {code: _bank(path, code, spec) for code, spec in (data.get("banks") or {}).items()}
    default = data.get("default_bank")
    if default not in banks:
        raise ConfigurationError(t(BAD_LAYOUT, path=path, bank=default or "-", key="default_bank",
                                   reason=t("not one of the banks with a layout")))
    return Banks(path, default, banks, {str(k): str(v) for k, v in (data.get("others") or {}).items()})


def _bank(path: Path, code: str, spec: dict) -> Bank:
    if not spec.get("name"):
        raise ConfigurationError(t(BAD_LAYOUT, path=path, bank=code, key="name", reason=t("missing")))
    returns = spec.get("returns") or {}
    return Bank(code, spec["name"], _layout(path, code, "", spec, FILE_COLUMNS),
                _layout(path, code, "returns.", returns, RETURN_COLUMNS))


def _layout(path: Path, code: str, prefix: str, spec: dict, allowed: tuple[str, ...]) -> Layout:
    def bad(key: str, reason: str) -> ConfigurationError:
        return ConfigurationError(t(BAD_LAYOUT, path=path, bank=code, key=prefix + key, reason=reason))

    if spec.get("format") not in FORMATS:
        raise bad("format", t("one of {allowed}", allowed=", ".join(FORMATS)))
    columns = tuple(spec.get("columns") or ())
    unknown = [c for c in columns if c not in allowed]
    if not columns or unknown:
        raise bad("columns", t("unknown columns {unknown}; allowed: {allowed}", unknown=", ".join(unknown) or "-",
                               allowed=", ".join(allowed)))
    encoding = spec.get("encoding", "utf-8")
    if encoding not in ("gbk", "utf-8", "auto"):
        raise bad("encoding", t("one of {allowed}", allowed="gbk, utf-8, auto"))
    totals = spec.get("totals", "none")
    if totals not in ("first", "last", "none"):
        raise bad("totals", t("one of {allowed}", allowed="first, last, none"))
    reasons = {str(k): str(v) for k, v in (spec.get("reasons") or {}).items()}
    wrong = [v for v in reasons.values() if v not in FAILURE_CODES]
    if wrong:
        raise bad("reasons", t("unknown failure codes {unknown}; allowed: {allowed}", unknown=", ".join(wrong),
                               allowed=", ".join(FAILURE_CODES)))
    return Layout(format=spec["format"], columns=columns, encoding=encoding, delimiter=spec.get("delimiter", ","),
                  header=bool(spec.get("header", False)), totals=totals,
                  totals_label=spec.get("totals_label", "合计"), paid=tuple(spec.get("paid") or ()), reasons=reasons)


def failure_title(code: str | None) -> str:
    return t(FAILURE_CODES[code]) if code in FAILURE_CODES else (code or "")
