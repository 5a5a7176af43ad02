"""A finding: one piece of sensitive data in a text, where it is and who found it.

Entity names are Microsoft Presidio's, so findings line up with Presidio's in an evaluation
and with the vault's data classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

EntityType = Literal[
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "UK_NINO",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IP_ADDRESS",
    "PERSON",
]
# The same names as a tuple, in that order (the API's schema enumerates the Literal).
ENTITIES: tuple[str, ...] = get_args(EntityType)


@dataclass(frozen=True, slots=True)
class Finding:
    """`text[start:end]` is the entity, in character offsets into the original text."""

    entity_type: str
    start: int
    end: int
    score: float
    recogniser: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_type": self.entity_type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "recogniser": self.recogniser,
        }
