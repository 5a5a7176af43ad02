"""Card tokens: the format rules, pure.

A token has the card's length and last four digits, so receipts and agents' screens keep
working; its other digits are random (the token vault, not the formula, gives the same card
the same token within a tenant), so nothing about the rest of the card can be read from it
or checked against it, even by someone holding the tenant's keys; and it always fails the
Luhn check, so no token can ever pass for a real card number.
"""

from __future__ import annotations

from stdnum import luhn


def format_token(card: str, random: bytes) -> str:
    """A token for `card` (digits only, Luhn-valid) from at least 16 random bytes (the
    reduction mod 10^15 of 128 bits is uniform to within 2^-78)."""
    free = len(card) - 4
    middle = str(int.from_bytes(random, "big") % 10**free).zfill(free)
    token = middle + card[-4:]
    if luhn.is_valid(token):
        # Luhn weights map each digit one-to-one, so changing one digit always breaks it.
        last = free - 1
        token = token[:last] + str((int(token[last]) + 1) % 10) + token[last + 1 :]
    return token


def is_token_shaped(value: str) -> bool:
    """12 to 19 digits failing Luhn: what a token looks like and a card never does."""
    return value.isdigit() and 12 <= len(value) <= 19 and not luhn.is_valid(value)
