"""Card tokens: the format rules, pure.

A token has the card's length and last four digits, so receipts and agents' screens keep
working; its other digits come from a keyed PRF of the card, so the same card always yields
the same token within a tenant and nothing about the rest of the card can be read from it;
and it always fails the Luhn check, so no token can ever pass for a real card number.
"""

from __future__ import annotations

from stdnum import luhn


def format_token(card: str, prf_output: bytes) -> str:
    """The token for `card` (digits only, Luhn-valid) from at least 16 bytes of PRF output."""
    free = len(card) - 4
    middle = str(int.from_bytes(prf_output, "big") % 10**free).zfill(free)
    token = middle + card[-4:]
    if luhn.is_valid(token):
        # Luhn weights map each digit one-to-one, so changing one digit always breaks it.
        last = free - 1
        token = token[:last] + str((int(token[last]) + 1) % 10) + token[last + 1 :]
    return token


def is_token_shaped(value: str) -> bool:
    """12 to 19 digits failing Luhn: what a token looks like and a card never does."""
    return value.isdigit() and 12 <= len(value) <= 19 and not luhn.is_valid(value)
