"""IBAN_CODE: an account number with its country's length and a valid mod 97 check.

Propose: two letters, two check digits and 11 to 30 more letters or digits, in one block or
in groups separated by single spaces or dashes ("PL61 1090 1014 0000 0712 1981 2874"), not
glued to a word before it; lower case is accepted, since people type it. Validate, for each
length that ends on a word boundary, longest first: python-stdnum's `iban` (the country's
length and BBAN structure from the SWIFT registry, then ISO 7064 mod 97-10). Only one length
fits a country, so a trailing word ("… 2874 thanks") is never swallowed. The national check
digits some countries add inside the BBAN are deliberately not checked: an IBAN mistyped in
its national part is still a customer's bank account and must still be found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.interface import CHECKSUM_SCORE

MIN_LENGTH = 15  # Norway
MAX_LENGTH = 34

# Found from its check digits (digits are rarer than letters, so `re` skips ahead faster),
# the country code checked behind them; the match starts two characters early.
_CANDIDATE = re.compile(r"\d\d(?<=(?<![^\W_])[A-Za-z]{2}\d\d)(?:[ \-]?[A-Za-z0-9]){11,30}")


def is_iban(compact: str) -> bool:
    """True for a valid IBAN given without separators (any case)."""
    from stdnum import iban  # deferred: loading the IBAN registry costs ~20 ms

    return bool(iban.is_valid(compact.upper(), check_country=False))


class IbanRecognizer:
    """International bank account numbers."""

    name = "iban"
    entity = "IBAN_CODE"

    def find(self, text: str) -> Iterator[Finding]:
        pos = 0
        while (m := _CANDIDATE.search(text, pos)) is not None:
            start = m.start() - 2
            pos = m.start() + 1
            # Positions of the candidate's letters and digits, separators left out.
            chars = [start + i for i, c in enumerate(text[start : m.end()]) if c.isalnum()]
            compact = "".join(text[i] for i in chars)
            for length in range(min(len(chars), MAX_LENGTH), MIN_LENGTH - 1, -1):
                end = chars[length - 1] + 1
                if end < len(text) and text[end].isalnum():
                    continue  # would cut a word or a number in two
                if is_iban(compact[:length]):
                    yield Finding(self.entity, start, end, CHECKSUM_SCORE, f"{self.name}/mod97")
                    pos = end
                    break
