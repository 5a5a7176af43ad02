"""Data classes of customer fields (Presidio entity names) and what each implies.

For each class: whether a value is valid, the form it is stored in (card numbers as digits,
phone numbers in E.164, IBANs compact), the form its blind index
is computed over (so that `Pat@Example.org` finds `pat@example.org` and `(415) 555-0132`
finds `+14155550132`), the default mask, and whether it may be searchable or tokenized.
Validation errors are `ValueError`s with a message for the user; callers add file, line
and field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn

FREE_TEXT = "FREE_TEXT"


@dataclass(frozen=True)
class DataClass:
    name: str
    default_mask: str
    searchable: bool = True
    tokenizable: bool = False
    max_length: int = 1024


CLASSES: dict[str, DataClass] = {
    c.name: c
    for c in (
        DataClass("CREDIT_CARD", "last4", searchable=False, tokenizable=True),
        DataClass("EMAIL_ADDRESS", "email"),
        DataClass("PHONE_NUMBER", "last2"),
        DataClass("PERSON", "initials"),
        DataClass("IBAN_CODE", "last4"),
        DataClass("US_SSN", "last4"),
        DataClass("US_BANK_NUMBER", "last4"),
        DataClass("US_PASSPORT", "withhold"),
        DataClass("US_DRIVER_LICENSE", "withhold"),
        DataClass("UK_NHS", "last4"),
        DataClass("LOCATION", "withhold"),
        DataClass("DATE_TIME", "withhold"),
        DataClass("IP_ADDRESS", "withhold"),
        DataClass("NRP", "withhold"),
        DataClass("URL", "withhold"),
        DataClass(FREE_TEXT, "withhold", searchable=False, max_length=65536),
    )
}

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_SPACES = re.compile(r"[\s\-]+")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def card_digits(value: str) -> str:
    """Digits of a card number typed with spaces or dashes; ValueError if it is not one."""
    digits = _SPACES.sub("", value)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise ValueError("a card number has 12 to 19 digits")
    if not luhn.is_valid(digits):
        raise ValueError("not a valid card number (Luhn check fails)")
    return digits


def phone_e164(value: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def canonical(cls: str, value: str, region: str) -> str:
    """The form a value is stored in. Raises ValueError for an invalid value."""
    value = value.strip()
    if not value:
        raise ValueError("empty value")
    if len(value) > CLASSES[cls].max_length:
        raise ValueError(f"longer than {CLASSES[cls].max_length} characters")
    if cls == "CREDIT_CARD":
        return card_digits(value)
    if cls == "EMAIL_ADDRESS":
        if not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value
    if cls == "PHONE_NUMBER":
        return phone_e164(value, region)
    if cls == "IBAN_CODE":
        if not iban.is_valid(value):
            raise ValueError("not a valid IBAN (checksum fails)")
        return iban.compact(value)
    return value


def index_form(cls: str, value: str, region: str) -> str:
    """The normalised form a blind index is computed over. Raises ValueError."""
    value = value.strip()
    if cls == "EMAIL_ADDRESS":
        return value.lower()
    if cls == "PHONE_NUMBER":
        return value if _E164.match(value) else phone_e164(value, region)
    if cls == "IBAN_CODE":
        return iban.compact(value)
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
