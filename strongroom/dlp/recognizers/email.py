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

# Anchored on each "@": the domain is matched forwards from it, the local part backwards
# (on the reversed text before it), so no position of the text is tried twice.
_DOMAIN = re.compile(
    r"(?P<domain>(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?P<tld>[^\W\d_]{2,24}))"
    r"(?![\w\-]|\.[^\W_])"
)
_LOCAL_REVERSED = re.compile(r"[\w%+\-](?:[\w.%+\-]{0,62}[\w%+\-])?(?![\w%+\-])")
MAX_LOCAL = 64

SCORE = 0.95


def is_email(local: str, domain: str) -> bool:
    """Syntax the pattern leaves open; see the module docstring."""
    return ".." not in local and "_" not in domain


class EmailRecognizer:
    """E-mail addresses."""

    name = "email"
    entity = "EMAIL_ADDRESS"

    def find(self, text: str) -> Iterator[Finding]:
        at = text.find("@")
        while at >= 0:
            domain = _DOMAIN.match(text, at + 1)
            local = _LOCAL_REVERSED.match(text[max(0, at - MAX_LOCAL - 1) : at][::-1])
            if domain is not None and local is not None:
                start = at - local.end()
                if is_email(text[start:at], domain["domain"]):
                    yield Finding(self.entity, start, domain.end(), SCORE, f"{self.name}/syntax")
            at = text.find("@", at + 1)
