"""EMAIL_ADDRESS: a mailbox at a domain with a real-looking top-level domain.

Propose: local part, "@", domain, on the usual character classes (Unicode letters allowed,
for "józef@poczta.pl" and IDN domains). Validate the syntax the pattern cannot: no leading,
trailing or doubled dot in the local part, no label of the domain starting or ending with a
hyphen, a top-level domain of 2 to 24 letters. A sentence's full stop after the address is
never part of it. No DNS look-up: the scanner runs inline and offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strongroom.dlp.finding import Finding

_CANDIDATE = re.compile(
    r"(?<![\w%+\-])(?P<local>[\w%+\-](?:[\w.%+\-]{0,62}[\w%+\-])?)"
    r"@(?P<domain>(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?P<tld>[^\W\d_]{2,24}))(?![\w\-]|\.[^\W_])"
)

SCORE = 0.95


def is_email(local: str, domain: str) -> bool:
    """Syntax the pattern leaves open; see the module docstring."""
    return ".." not in local and "_" not in domain


class EmailRecognizer:
    """E-mail addresses."""

    name = "email"
    entity = "EMAIL_ADDRESS"

    def find(self, text: str) -> Iterator[Finding]:
        if "@" not in text:
            return
        for m in _CANDIDATE.finditer(text):
            if is_email(m["local"], m["domain"]):
                yield Finding(self.entity, m.start(), m.end(), SCORE, f"{self.name}/syntax")
