"""Masks: what an agent sees of a value without revealing it.

Every mask shows little enough to be safe on screen and enough to confirm a customer on the
phone: a card's last four, an email's first letters and top-level domain, a phone's last two
digits, a person's initials. Free text is withheld whole: there is no safe part of it.
"""

from __future__ import annotations

import re

MASKS = ("last4", "last2", "email", "initials", "withhold")
WITHHELD = "[withheld]"
# Exactly the characters str.isalnum() accepts (`\w` is those and the underscore), so the
# starring runs in the regex engine rather than a Python loop per character.
_ALNUM = re.compile(r"[^\W_]")


def _keep_last(value: str, keep: int) -> str:
    """Star every letter or digit but the last `keep` (at least 1) of them; separators stay.
    A value with no more than `keep` of them is starred whole, separators included."""
    seen = 0
    for i in range(len(value) - 1, -1, -1):
        if value[i].isalnum():
            seen += 1
            if seen == keep:  # value[i:] is the visible tail
                head, starred = _ALNUM.subn("*", value[:i])
                if starred:
                    return head + value[i:]
                break
    return "*" * len(value)


def _email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    labels = domain.split(".")
    return f"{local[:1]}***@{labels[0][:1]}***.{labels[-1]}"


def _initials(value: str) -> str:
    return " ".join(f"{part[0].upper()}." for part in value.split() if part)


def mask(kind: str, value: str) -> str:
    if kind == "last4":
        return _keep_last(value, 4)
    if kind == "last2":
        return _keep_last(value, 2)
    if kind == "email":
        return _email(value)
    if kind == "initials":
        return _initials(value)
    return WITHHELD
