"""The 核对报告 as a PDF (issue 13 item 6): the report JSON (``report.build_report``) through a Jinja2 template
(``templates/report.html`` + ``report.css``, package data) and WeasyPrint, A4, Chinese set in a CJK font found by
fontconfig and embedded (a subset) in the file.

    pdf_bytes = render_pdf(report)            # Chinese
    pdf_bytes = render_pdf(report, lang="en")

No Chinese font on the machine (``fc-list :lang=zh`` empty) → ``ConfigurationError`` saying so in the user's
language, never a PDF of empty boxes (Debian: ``fonts-noto-cjk``, which ``./dev`` installs). What is not known is
written 未知 in words, never 0.00. The footer says the report informs and the caseworker decides (domain §6), with
the report's SHA-256 so that a printed copy can be matched to the stored report.

The template's words are messages of this module (``LABELS``, ``ITEM_LABELS``…), translated here and handed to
the template, so that the catalogue test sees every one of them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from jiuzhu.errors import ConfigurationError
from jiuzhu.exchange.sources import kind_of
from jiuzhu.i18n import N_, month_text, t, use_language
from jiuzhu.money import format_yuan
from jiuzhu.registry.codes import AssetKind, DisabilityCategory, PropertyUse, Relation, SchoolLevel, VehicleKind
from jiuzhu.verification.report import office_of, report_sha256

TEMPLATES = Path(__file__).parent / "templates"
# Preferred faces first (Debian's fonts-noto-cjk, then WenQuanYi); whatever Chinese face fontconfig finds follows.
PREFERRED_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei")

LABELS = {
    "title": N_("Household economic verification report"),
    "household": N_("Household number"), "area": N_("Area code"), "purpose": N_("Purpose"),
    "requested_by": N_("Requested by"), "as_of": N_("As of"), "window": N_("Income months"),
    "verification": N_("Verification number"), "created_at": N_("Written at"), "office": N_("Office"),
    "complete": N_("Complete: every source answered every member."),
    "incomplete": N_("Incomplete: some facts are unknown (see the sources and the members below)."),
    "masked": N_("Identifiers are masked."),
    "summary": N_("Summary"), "income": N_("Income (monthly average)"), "category": N_("Category"),
    "monthly": N_("Per month"), "total": N_("Total"), "per_capita": N_("Per person"),
    "counted_members": N_("Members counted"), "at_least": N_("at least {amount}"),
    "assets": N_("Financial assets"), "accounts": N_("Accounts"), "institution": N_("Institution"),
    "account": N_("Account"), "ref": N_("Account or certificate"), "balance": N_("Balance"),
    "source": N_("Source"), "declared": N_("declared"),
    "differences": N_("Differences from the declaration"), "kind": N_("What differs"), "member": N_("Member"),
    "declared_value": N_("Declared"), "verified_value": N_("Verified"), "month": N_("Month"),
    "no_differences": N_("No difference from the declaration."),
    "differences_incomplete": N_("Not every source answered: what the sources whose answer is unknown hold could "
                                 "not be compared with the declaration (see the sources below)."),
    "members": N_("Per member and per source"), "item": N_("Item"), "value": N_("Value"),
    "item_as_of": N_("As of"), "stale": N_("too old"), "unknown": N_("unknown"), "reason": N_("Why"),
    "nothing_found": N_("No record in the sources that answered."), "not_counted": N_("not counted"),
    "property": N_("Property"), "vehicles": N_("Vehicles"), "businesses": N_("Businesses"),
    "housing_fund": N_("Housing provident fund"), "certificate": N_("Certificate"), "use": N_("Use"),
    "area_m2": N_("Floor area"), "location": N_("Location"), "plate": N_("Plate"), "registered_on": N_("Since"),
    "uscc": N_("Credit code"), "name": N_("Name"), "capital": N_("Registered capital"),
    "monthly_deposit": N_("Monthly deposit"), "none": N_("none"),
    "sources": N_("Completeness per source"), "department": N_("Department"), "status": N_("Status"),
    "report_hash": N_("Report SHA-256"), "page": N_("Page"),
    "notice": N_("This report informs the decision; it does not make it. The decision is the caseworker's."),
}

INCOME_LABELS = {
    "wages": N_("wages"), "business_net": N_("net business income"), "property_net": N_("net property income"),
    "transfer_net": N_("net transfer income"), "pension": N_("pensions"),
    "unemployment_benefit": N_("unemployment benefit"),
}

ITEM_LABELS = {
    "wage": N_("wage"), "contribution_base": N_("contribution base"), "pension": N_("pension"),
    "central_basic": N_("central basic pension (not counted)"), "unemployment_benefit": N_("unemployment benefit"),
    "injury_allowance": N_("work-injury allowance"), "care_paid": N_("work-injury care pay"),
    "out_of_pocket": N_("medical costs paid out of pocket"), "taxable_income": N_("taxable income"),
    "tax_withheld": N_("tax withheld"), "business": N_("business (registered capital)"),
    "property": N_("property (floor area)"), "fund_balance": N_("provident fund balance"),
    "monthly_deposit": N_("provident fund monthly deposit"), "certificate": N_("disability certificate (grade)"),
    "marital_status": N_("marital status"), "cremated_on": N_("cremated on"),
    "fund_paid": N_("paid by the medical fund"), "hukou_status": N_("hukou status"),
    "school_level": N_("school level"), "enrolled": N_("enrolled"), "deposit.balance": N_("deposit balance"),
    "insurance.cash_value": N_("insurance cash value"), "securities.market_value": N_("securities market value"),
    "vehicle": N_("motor vehicle"), "death_date": N_("date of death"), "hukou_area": N_("hukou area"),
    "hukou_urban": N_("urban hukou"), "hukou_chongqing": N_("Chongqing hukou"),
}

# The words of the code values departments answer and refs that are codes (a pension's scheme); a code already in
# words (正常, 活期, 存续, 死亡注销 …) is shown as it is. Vocabularies of the registry (school level, disability
# category …) give theirs through ``words`` too.
CODE_LABELS = {"married": N_("married"), "divorced": N_("divorced"), "widowed": N_("widowed"),
               "single": N_("unmarried"), "employee": N_("employees' basic pension scheme"),
               "resident": N_("urban and rural residents' basic pension scheme"),
               "public_security": N_("public security"), "funeral": N_("funeral home")}

DIFFERENCE_LABELS = {
    "wages_underdeclared": N_("wages higher than declared"), "wages_overdeclared": N_("wages lower than declared"),
    "pension_underdeclared": N_("pension higher than declared"),
    "pension_overdeclared": N_("pension lower than declared"),
    "unemployment_benefit_underdeclared": N_("unemployment benefit higher than declared"),
    "unemployment_benefit_overdeclared": N_("unemployment benefit lower than declared"),
    "transfer_underdeclared": N_("work-injury allowance not declared"),
    "transfer_overdeclared": N_("transfer income lower than declared"),
    "undeclared_account": N_("account not declared"), "account_balance": N_("balance differs"),
    "undeclared_vehicle": N_("vehicle not declared"), "undeclared_property": N_("property not declared"),
    "undeclared_business": N_("business not declared"), "death": N_("death recorded"),
    "disability": N_("disability certificate differs"),
    "medical_costs_overdeclared": N_("medical costs declared above the insurer's record"),
    "medical_costs_underdeclared": N_("medical costs declared below the insurer's record"),
}

STATUS_LABELS = {"answered": N_("answered"), "stale": N_("answered, too old (unknown)"),
                 "refused": N_("refused (unknown)"), "failed": N_("failed (unknown)")}

CATEGORY_LABELS = {
    "identity": N_("hukou"), "vehicles": N_("vehicles"), "death": N_("death"), "income": N_("income"),
    "spending": N_("medical costs"), "business": N_("businesses"), "property": N_("property"),
    "asset": N_("provident fund"), "disability": N_("disability"), "family": N_("family"),
    "deposit": N_("deposits"), "insurance": N_("insurance"), "securities": N_("securities"),
}


# ------------------------------------------------------------------------------------------ fonts


def chinese_fonts() -> list[str]:
    """The font families fontconfig knows that cover Chinese (what ``fc-list :lang=zh family`` lists), read
    through libfontconfig itself: WeasyPrint finds its fonts there, and the command-line tool may be absent."""
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        fc = ctypes.CDLL(name)
    except OSError:
        return []
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcObjectSetBuild.restype = ctypes.c_void_p
    fc.FcFontList.restype = ctypes.POINTER(_FontSet)
    fc.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    fc.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                      ctypes.POINTER(ctypes.c_char_p)]
    fc.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    fc.FcObjectSetDestroy.argtypes = [ctypes.c_void_p]
    fc.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FontSet)]
    if not fc.FcInit():
        return []
    pattern = fc.FcNameParse(b":lang=zh")
    objects = fc.FcObjectSetBuild(b"family", None)
    fonts = fc.FcFontList(None, pattern, objects)
    families: list[str] = []
    try:
        if fonts:
            for i in range(fonts.contents.nfont):
                family = ctypes.c_char_p()
                if fc.FcPatternGetString(fonts.contents.fonts[i], b"family", 0, ctypes.byref(family)) == 0:
                    families.append(family.value.decode("utf-8"))
    finally:
        if fonts:
            fc.FcFontSetDestroy(fonts)
        fc.FcObjectSetDestroy(objects)
        fc.FcPatternDestroy(pattern)
    return sorted(set(families))


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.POINTER(ctypes.c_void_p))]


def font_stack(available: list[str]) -> str:
    """The CSS font-family: the preferred faces that are installed, then any other Chinese face."""
    chosen = [f for f in PREFERRED_FONTS if f in available] or available[:1]
    return ", ".join(f'"{f}"' for f in chosen) + ", sans-serif"


# ------------------------------------------------------------------------------------------ rendering


def render_html(report: dict, lang: str = "zh", fonts: list[str] | None = None) -> str:
    """The report as the HTML WeasyPrint sets (for a test, or a browser)."""
    fonts = chinese_fonts() if fonts is None else fonts
    sha256 = report_sha256(report)
    with use_language(lang):
        labels = {k: t(v) for k, v in LABELS.items()}
        footer = f"{labels['notice']}  {labels['report_hash']} {sha256[:16]}"
        return _environment().get_template("report.html").render(
            r=report, L=labels, view=_View(report), font_stack=font_stack(fonts), footer=_css_string(footer),
            office=report.get("office") or office_of(report["area_code"]), handler=handler_of(report),
            css=(TEMPLATES / "report.css").read_text(encoding="utf-8"), sha256=sha256)


def handler_of(report: dict) -> str:
    """经办人: the display name the report carries, else the user name it was asked by; never blank."""
    return report.get("requested_by_name") or report.get("requested_by") or t("unknown")


def _css_string(text: str) -> str:
    """``text`` inside a CSS string in a <style> element (where HTML entities are not read)."""
    return "".join(f"\\{ord(c):x} " if c in '"\\<>&' else c for c in text)


def render_pdf(report: dict, lang: str = "zh") -> bytes:
    """The report as an A4 PDF with its Chinese font embedded; ``ConfigurationError`` without a Chinese font."""
    fonts = chinese_fonts()
    if not fonts:
        with use_language(lang):
            raise ConfigurationError(t("no Chinese font is installed, so the report cannot be printed: install "
                                       "fonts-noto-cjk (Debian) and try again"))
    from weasyprint import HTML  # imported here: ~0.5 s, and only the PDF needs it

    return HTML(string=render_html(report, lang, fonts), base_url=str(TEMPLATES)).write_pdf()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


# Every kind of code the report prints, and where its words are: the one ``words`` function reads them all.
VOCABULARIES: dict[str, object] = {
    "item": ITEM_LABELS, "income": INCOME_LABELS, "difference": DIFFERENCE_LABELS, "status": STATUS_LABELS,
    "category": CATEGORY_LABELS, "relation": Relation, "asset_kind": AssetKind, "vehicle_kind": VehicleKind,
    "use": PropertyUse, "code": CODE_LABELS, "school_level": SchoolLevel, "disability": DisabilityCategory,
}
# A value or ref of unknown kind may be any departments' code: these vocabularies are tried, in order.
ANY_CODE = ("code", "school_level", "disability", "vehicle_kind", "asset_kind", "use")


def words(code: str | None, *kinds: str) -> str:
    """The words of ``code`` in the current language, from the vocabulary of the first of ``kinds`` that knows it
    (none given: any departments' code); a code none knows (a newer source's, or already words) as it is."""
    if code is None:
        return ""
    for kind in kinds or ANY_CODE:
        vocabulary = VOCABULARIES[kind]
        if isinstance(vocabulary, dict):
            if code in vocabulary:
                return t(vocabulary[code])
            continue
        try:
            return vocabulary(code).words()
        except ValueError:
            continue
    return code


class _View:
    """The words of a report's values in the current language (called from the template): ``view.words(code,
    kind)`` for every code, the rest for money, months, days and the values of items."""

    def __init__(self, report: dict):
        self.report = report

    words = staticmethod(words)

    @staticmethod
    def money(fen: int | None) -> str:
        return format_yuan(fen)  # None → 未知 / unknown, never 0.00

    def at_least(self, fen: int | None, known: bool, floor: int | None) -> str:
        if known:
            return self.money(fen)
        if floor:
            return f"{t('unknown')}（{t(LABELS['at_least'], amount=self.money(floor))}）"
        return t("unknown")

    @staticmethod
    def month(month: str | None) -> str:
        return month_text(month) if month else ""

    @staticmethod
    def day(day: str | None) -> str:
        return day or ""

    @staticmethod
    def categories(names: list[str]) -> str:
        return "、".join(words(c, "category") for c in names)

    def department(self, endpoint: str) -> str:
        source = next((x for x in self.report["sources"] if x["endpoint"] == endpoint), None)
        if source:
            return source["department"]
        try:
            return kind_of(endpoint).department
        except KeyError:
            return endpoint

    def value(self, item: dict) -> str:
        if item["item"] == "vehicle":
            return words(str(item["value"]), "vehicle_kind")
        unit = item["unit"]
        if unit == "fen":
            return self.money(item["value_fen"])
        if unit == "fen/month":
            return t("{amount} a month", amount=self.money(item["value_fen"]))
        if unit == "m2":
            return f"{item['value']} m²"
        if unit == "bool":
            return t("yes") if item["value"] else t("no")
        if unit == "code" and isinstance(item["value"], str):
            return words(item["value"])
        return "" if item["value"] is None else str(item["value"])

    def verified(self, d: dict) -> str:
        """A difference's verified side: money, or its words (a vehicle's kind)."""
        if d["verified_fen"] is not None:
            return self.money(d["verified_fen"])
        if d["kind"] == "undeclared_vehicle" and d["verified"]:
            return words(d["verified"], "vehicle_kind")
        return words(d["verified"]) if d["verified"] else ""

    def sources(self, names: list[str]) -> str:
        return "、".join(t(LABELS["declared"]) if n == "declared" else self.department(n) for n in names)

    @staticmethod
    def when(moment: str | None) -> str:
        if not moment:
            return ""
        from jiuzhu.clock import local

        return local(dt.datetime.fromisoformat(moment)).strftime("%Y-%m-%d %H:%M")
