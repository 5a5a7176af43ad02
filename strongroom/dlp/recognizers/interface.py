"""What a recogniser is, so the scanner can run any of them without knowing how it works.

A recogniser proposes spans of one entity type and validates each before it yields it
("propose, then validate"): a pattern is cheap and loose, a validator (Luhn, mod 97, the
`ipaddress` parser, phone metadata, name lists) is what makes a finding worth trusting. The
finding's `recogniser` field says which recogniser and which validator vouched for it, as
`"<name>/<validator>"`.

A recogniser is pure: it holds only immutable, compiled state, reads nothing but the text it
is given and may be shared between threads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from strongroom.dlp.finding import Finding

#: The score of a finding confirmed by a checksum (Luhn, mod 97): nothing scores higher.
CHECKSUM_SCORE = 1.0


class Recognizer(Protocol):
    """Finds one entity type in free text."""

    @property
    def name(self) -> str:
        """Short and stable, e.g. `credit_card`; the first half of `Finding.recogniser`."""
        ...

    @property
    def entity(self) -> str:
        """The Presidio entity name of every finding it yields, e.g. `CREDIT_CARD`."""
        ...

    def find(self, text: str) -> Iterable[Finding]:
        """Validated findings in `text`, in any order, possibly overlapping each other.

        Offsets are character offsets into `text` itself (never into a normalised copy).
        """
        ...
