"""Money at the edges: yuan as Decimal strings outside, integer fen inside.

Rounding rule: amounts are never rounded on the way in. A yuan amount with more
than two decimal places is refused, not rounded, so nothing is lost silently.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100


def yuan_to_fen(value: str | int | Decimal) -> int:
    """``'612.40'`` → ``61240``. Refuses floats, NaN and sub-fen precision."""
    if isinstance(value, float):
        raise ValueError("money must be given as a string or Decimal, not a float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not an amount of money") from None
    if not amount.is_finite():
        raise ValueError(f"'{value}' is not an amount of money")
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"'{value}' has more than two decimal places (分 is the smallest unit)")
    return int(fen)


def parameter_fen(yuan: float) -> int:
    """A yuan parameter (OpenFisca reads YAML numbers as floats) in whole fen. Rounded, not truncated:
    ``70.1 * 100`` is 7009.999999999999 in binary floating point, and must be 7010 fen."""
    return int(round(yuan * FEN_PER_YUAN))


def fen_to_yuan(fen: int) -> Decimal:
    """``61240`` → ``Decimal('612.40')``, always with two decimal places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int | None) -> str:
    """For people: ``'1,234.56'`` (thousands separated, two decimals), or "unknown" (未知) when the amount is
    not known — never ``0.00``, which would say that it is nothing."""
    if fen is None:
        from jiuzhu.i18n import t

        return t("unknown")
    return f"{fen_to_yuan(fen):,.2f}"


def format_amount(yuan: str | Decimal | None) -> str:
    """A yuan amount written as text in documents (``'2090.00'``) as ``format_yuan`` shows it."""
    if yuan is None or (isinstance(yuan, str) and not yuan.strip()):
        return format_yuan(None)
    return format_yuan(yuan_to_fen(yuan))
