"""CREDIT_CARD typed as digits: plain, spaced or dashed, 13 to 19 digits, Luhn-valid.

Propose: a run of digit groups joined by single spaces or dashes, not glued to letters,
currency or decimal marks ("INV-2024-000123", "$1,234.56" and "1Z999AA10123456784" never
start a run). Validate: the longest stretch of whole groups with 13 to 19 digits, a
plausible issuer prefix and a valid Luhn check digit (python-stdnum's `luhn`, the same one
the vault's tokens use). Veto: the nearest word before it names a reference ("order",
"invoice", "IMEI" …), because such numbers pass Luhn one time in ten by chance.

The span search is shared with `spoken.py`, which feeds it digits read aloud.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.context import is_reference
from strongroom.dlp.recognizers.interface import CHECKSUM_SCORE

# A digit unit of a candidate: where it is in the text and the digits it stands for.
Unit = tuple[int, int, str]

MIN_DIGITS = 13
MAX_DIGITS = 19

# Possessive quantifiers: a run glued to a letter must fail, not shrink until it fits.
# Patterns in this package open with a plain character class and check the character
# before it with a look-behind *after* it: `re` then skips ahead to candidate characters
# in C, which a leading look-behind prevents (measured: twice as fast on chat text).
_RUN = re.compile(
    r"[0-9](?<![\w.,/+\-][0-9])(?=[\d \-]{12})\d*+(?:(?:[ \-]| - |  )\d++)*+(?![\w]|[.,]\d)"
)
_GROUP = re.compile(r"\d+")


def plausible_issuer(digits: str) -> bool:
    """True when the leading digits belong to a card scheme's range.

    Cards start with 2 (Mastercard 2221-2720, Mir 2200-2204), 3 (Amex, JCB, Diners), 4
    (Visa), 5 (Mastercard, Maestro) or 6 (Discover, UnionPay, Maestro, RuPay); UATP cards
    start with 1 and have 15 digits. Anything else (a 0-, 7-, 8- or 9- number) is a
    reference or an account number, however well it passes Luhn.
    """
    first = digits[0]
    if first in "456":
        return True
    if first == "3":
        return digits[1] not in "123"
    if first == "2":
        return "22" <= digits[:2] <= "27"
    return first == "1" and len(digits) == 15


def is_card_number(digits: str) -> bool:
    """13 to 19 digits, a plausible issuer and a valid Luhn check digit."""
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or not plausible_issuer(digits):
        return False
    from stdnum import luhn  # deferred: stdnum.util costs ~25 ms of start-up

    return bool(luhn.is_valid(digits))


def best_card_span(units: Sequence[Unit]) -> tuple[int, int] | None:
    """The unit range `(i, j)` (inclusive) that reads as a card, or None.

    Only whole units count (a group typed as "4111" is never split). The whole candidate is
    preferred, then the longest card inside it (a card followed by its expiry and CVV,
    "4111 1111 1111 1111 0425 123", yields the card), then the earliest. Ranges are tried
    in that order and the first valid one is returned, so a card that is the whole run
    costs one Luhn check.
    """
    ends = [0]
    for unit in units:
        ends.append(ends[-1] + len(unit[2]))  # ends[k]: digits in units[:k]
    last = len(units)
    ranges = [
        (i, j)
        for i in range(last)
        for j in range(i + 1, last + 1)
        if MIN_DIGITS <= ends[j] - ends[i] <= MAX_DIGITS
    ]
    ranges.sort(key=lambda r: (r != (0, last), ends[r[0]] - ends[r[1]], r[0]))
    for i, j in ranges:
        if is_card_number("".join(u[2] for u in units[i:j])):
            return (i, j - 1)
    return None


class CreditCardRecognizer:
    """Card numbers typed as digits."""

    name = "credit_card"
    entity = "CREDIT_CARD"

    def __init__(self, veto_references: bool = True) -> None:
        # Off where a missed card costs more than a tokenized reference number: text about
        # to be stored (a card typed after "order" is still a card in the store).
        self.veto_references = veto_references

    def find(self, text: str) -> Iterator[Finding]:
        for run in _RUN.finditer(text):
            base = run.start()
            units = [
                (base + g.start(), base + g.end(), g.group()) for g in _GROUP.finditer(run.group())
            ]
            span = best_card_span(units)
            if span is None:
                continue
            start, end = units[span[0]][0], units[span[1]][1]
            if self.veto_references and is_reference(text, start):
                continue
            yield Finding(self.entity, start, end, CHECKSUM_SCORE, f"{self.name}/luhn")
