"""UK_NINO: a UK National Insurance number with a prefix HMRC allocates.

Propose: two letters, six digits and a suffix letter A-D, with or without the usual spaces
("AB 12 34 56 C", "AB123456C"), in either case. Validate with HMRC's rules: the first
letter is not D, F, I, Q, U or V; the second is not D, F, I, O, Q, U or V; and the prefix
is not one of those never allocated (BG, GB, KN, NK, NT, TN, ZZ). The example number "QQ 12
34 56 C" of HMRC's own forms fails on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strongroom.dlp.finding import Finding

# Found from its first digits (rarer than letters, so `re` skips ahead faster), the prefix
# checked behind them with or without a space; the match starts two or three characters early.
_CANDIDATE = re.compile(
    r"\d\d(?:(?<=(?<![^\W_])[A-Za-z]{2}\d\d)|(?<=(?<![^\W_])[A-Za-z]{2} \d\d))"
    r" ?\d{2} ?\d{2} ?[A-Da-d](?![^\W_])"
)
_FIRST_NOT = frozenset("DFIQUV")
_SECOND_NOT = frozenset("DFIOQUV")
_PREFIX_NOT = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

SCORE = 0.9


def is_nino_prefix(prefix: str) -> bool:
    """HMRC's allocation rules for the two prefix letters (upper case)."""
    return (
        prefix[0] not in _FIRST_NOT and prefix[1] not in _SECOND_NOT and prefix not in _PREFIX_NOT
    )


class UkNinoRecognizer:
    """UK National Insurance numbers."""

    name = "uk_nino"
    entity = "UK_NINO"

    def find(self, text: str) -> Iterator[Finding]:
        for m in _CANDIDATE.finditer(text):
            start = m.start() - (3 if text[m.start() - 1] == " " else 2)
            prefix = text[start : start + 2].upper()
            if prefix.isascii() and is_nino_prefix(prefix):
                yield Finding(self.entity, start, m.end(), SCORE, f"{self.name}/hmrc")
