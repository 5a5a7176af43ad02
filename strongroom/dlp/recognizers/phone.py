"""PHONE_NUMBER: international and national numbers, valid by libphonenumber's metadata.

Propose: a run of 7 to 16 digits joined by spaces, dashes, dots, slashes or brackets,
optionally led by "+" or "00", not glued to a word, an amount or a decimal mark. Shapes
that are something else are dropped before any metadata is read: dates ("15/03/2024",
"2024-03-15"), a date followed by a time, dotted IPv4 addresses and app versions, Luhn-valid
card numbers (a card is a CREDIT_CARD, not a phone; but "+49 176 41751590" is a phone,
whatever Luhn says), and numbers the words before call an order, an invoice, a ticket or a
bank account.

Validate: a number written with its country code ("+63 917 …", "0048 …") is parsed as it
stands and must be a valid number of that country. A national number is tried against
`REGIONS` in turn (the countries the BPO's sites in Manila, Krakow and Bogota call into):
a cheap necessary check first (the region's national number pattern, with or without its
trunk prefix), then `phonenumbers.PhoneNumberMatcher` at leniency VALID over the candidate
alone, which also insists on the trunk prefix where the region writes one ("020 7946 0958",
not "20 7946 0958"). The first region that accepts it wins. A number with its country code
scores higher than one only valid in some region's national plan.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.context import is_account
from strongroom.dlp.recognizers.credit_card import is_card_number

REGIONS: tuple[str, ...] = ("US", "GB", "PH", "PL", "CO", "IN", "DE", "FR", "ES", "AU")

INTERNATIONAL_SCORE = 0.75
NATIONAL_SCORE = 0.6

# Opens with a plain class and looks behind after it, so `re` can skip ahead in C.
_CANDIDATE = re.compile(
    r"[+(0-9](?<![\w#$€£@.,/+\-][+(0-9])(?:(?<=\()\+)?\d?(?:[ \-.()/]{0,3}\d){6,40}"
    r"(?![\w]|[.,]\d)"
)
_NOT_DIGIT = re.compile(r"\D")
# Where one number may end and the next begin: a slash, a wide gap, a new "+" or "(".
_BETWEEN_NUMBERS = re.compile(r"[ \t]*/[ \t]*|[ \t]{2,}|[ \t]+(?=[+(])")
_NOT_PHONE = re.compile(
    r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}"  # a date
    r"|\d+(?:\.\d+){3,}"  # an IPv4 address, an app's version
    r"|\d{3}([\- ])\d\d\2\d{4}"  # a US Social Security number's grouping
    r"|\d{1,3}(?:\.\d{3})+"  # an amount with dots between thousands: "COP 1.645.000"
)
# A date that opens a candidate: "25.12.2026 9:30", "2024-04-14 14:05".
_DATED = re.compile(r"\d{4}-\d\d-\d\d|\d{1,2}[./\-]\d{1,2}[./\-]\d{4}")
MIN_DIGITS = 7
MAX_DIGITS = 16  # E.164's 15, plus a national trunk "0" written in brackets


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a region's metadata says a national number may look like."""

    region: str
    trunk: re.Pattern[str] | None
    number: re.Pattern[str]

    def admits(self, digits: str) -> bool:
        """Necessary (not sufficient) for the number to be valid in the region."""
        if self.number.fullmatch(digits):
            return True
        trunk = self.trunk.match(digits) if self.trunk is not None else None
        return trunk is not None and self.number.fullmatch(digits, trunk.end()) is not None


@functools.cache
def _plan(region: str) -> _Plan:
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata is not None else None
    if metadata is None or general is None or not general.national_number_pattern:
        raise ValueError(f"no phone metadata for region {region!r}")
    prefix = metadata.national_prefix_for_parsing
    return _Plan(
        region,
        re.compile(prefix) if prefix else None,
        re.compile(general.national_number_pattern),
    )


class PhoneRecognizer:
    """Phone numbers in international or national format."""

    name = "phone"
    entity = "PHONE_NUMBER"

    def __init__(self, regions: Sequence[str] = REGIONS) -> None:
        self.regions = tuple(regions)

    def find(self, text: str) -> Iterator[Finding]:
        for m in _CANDIDATE.finditer(text):
            candidate, start = m.group(), m.start()
            digits = _NOT_DIGIT.sub("", candidate)
            if len(digits) <= MAX_DIGITS:
                yield from self._candidate(text, candidate, digits, start)
                continue
            # Too long for one number: perhaps two, "+44 20 7946 0958 (415) 555-2671".
            cut = 0
            for gap in [*_BETWEEN_NUMBERS.finditer(candidate), None]:
                part = candidate[cut : gap.start() if gap else len(candidate)]
                yield from self._candidate(text, part, _NOT_DIGIT.sub("", part), start + cut)
                cut = gap.end() if gap else cut

    def _candidate(self, text: str, candidate: str, digits: str, start: int) -> Iterator[Finding]:
        if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or _NOT_PHONE.fullmatch(candidate):
            return
        if _DATED.match(candidate) or text.startswith(":", start + len(candidate)):
            return  # a date, or the hour of a time
        if (is_card_number(digits) and "+" not in candidate) or is_account(text, start):
            return
        if candidate.startswith(("+", "(+", "00")):
            found = self._international(candidate, digits, start)
            if found is not None:
                yield found
        else:
            yield from self._national(candidate, digits, start)

    def _international(self, candidate: str, digits: str, offset: int) -> Finding | None:
        import phonenumbers

        # "00" is the international prefix of every region we serve but the US; the compact
        # form parses a third faster than the written one.
        compact = "+" + (digits if "+" in candidate else digits[2:])
        try:
            number = phonenumbers.parse(compact, None)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        return Finding(
            self.entity,
            offset,
            offset + len(candidate),
            INTERNATIONAL_SCORE,
            f"{self.name}/phonenumbers",
        )

    def _national(self, candidate: str, digits: str, offset: int) -> Iterator[Finding]:
        """The first region whose matcher reads the whole candidate as one number wins;
        failing that, what the first region that found anything found."""
        import phonenumbers

        partial: list[Finding] = []
        for region in self.regions:
            if not _plan(region).admits(digits):
                continue
            found = [
                Finding(
                    self.entity,
                    offset + match.start,
                    offset + match.end,
                    NATIONAL_SCORE,
                    f"{self.name}/phonenumbers",
                )
                for match in phonenumbers.PhoneNumberMatcher(
                    candidate, region, leniency=phonenumbers.Leniency.VALID
                )
            ]
            if len(found) == 1 and found[0].end - found[0].start == len(candidate):
                yield found[0]
                return
            partial = partial or found
        yield from partial
