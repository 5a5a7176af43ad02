"""US_SSN: a US Social Security number that the SSA could have issued.

Propose: three, two and four digits joined by the same separator (dash or space), or nine
plain digits when a word before them says "SSN" or "social security" (nine plain digits
alone are far more often an order or a phone number). Validate with the SSA's rules, which
are all an SSN has instead of a check digit: the area is not 000, 666 or 900-999, the group
is not 00, the serial is not 0000; a number made of one repeated digit and the two numbers
printed on sample cards (078-05-1120, 219-09-9999) are rejected too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.context import words_before

_SEPARATED = re.compile(
    r"[0-9](?<![\w\-/.,][0-9])\d\d(?P<sep>[\- ])(?P<group>\d\d)(?P=sep)(?P<serial>\d{4})"
    r"(?![\w\-/]|[.,]\d)"
)
_PLAIN = re.compile(r"[0-9](?<![\w\-/.,][0-9])\d{8}(?![\w\-/]|[.,]\d)")
_CUES = frozenset({"ssn", "ssns", "social", "security", "ss", "ssa"})
_SAMPLES = frozenset({"078051120", "219099999"})

SEPARATED_SCORE = 0.85
PLAIN_SCORE = 0.75


def is_ssn(area: str, group: str, serial: str) -> bool:
    """The SSA's allocation rules; see the module docstring."""
    number = area + group + serial
    return (
        area not in {"000", "666"}
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and len(set(number)) > 1
        and number not in _SAMPLES
    )


class UsSsnRecognizer:
    """US Social Security numbers."""

    name = "us_ssn"
    entity = "US_SSN"

    def find(self, text: str) -> Iterator[Finding]:
        for m in _SEPARATED.finditer(text):
            if is_ssn(m.group()[:3], m["group"], m["serial"]):
                yield Finding(self.entity, m.start(), m.end(), SEPARATED_SCORE, f"{self.name}/ssa")
        for m in _PLAIN.finditer(text):
            number = m.group()
            if is_ssn(number[:3], number[3:5], number[5:]) and _CUES.intersection(
                words_before(text, m.start(), 4)
            ):
                yield Finding(self.entity, m.start(), m.end(), PLAIN_SCORE, f"{self.name}/ssa")
