"""Data classes of customer fields (Presidio entity names) and what each implies.

For each class: whether a value is valid, the form it is stored in (card numbers as digits,
phone numbers in E.164, IBANs compact), the form its blind index
is computed over (so that `Pat@Example.org` finds `pat@example.org` and `(415) 555-0132`
finds `+14155550132`), the default mask, and whether it may be searchable or tokenized.
Validation errors are `ValueError`s with a message for the user; callers add file, line
and field.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn
from stdnum.iso7064 import mod_97_10
from stdnum.util import get_cc_module

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


_INTERNATIONAL = re.compile(r"^\+([1-9]\d{6,14})$")
_PHONE_FORMATTING = re.compile(r"[\s.\-]")


@functools.cache
def _prefix_rule(country_code: int) -> re.Pattern[str] | bool | None:
    """The national-prefix rule of a calling code's main region; False if it has no metadata."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return False
    rule = metadata.national_prefix_for_parsing
    return re.compile(rule) if rule else None


def _international_e164(value: str) -> str | None:
    """E.164 of a number written with + and a country code, by the library's own possibility
    check, without the full parser; None when the parser's rules are needed (a national prefix
    or leading zero after the country code, which the parser may strip or keep)."""
    m = _INTERNATIONAL.match(_PHONE_FORMATTING.sub("", value))
    if m is None:
        return None
    digits = m.group(1)
    for n in (1, 2, 3):  # calling codes are prefix-free
        code = int(digits[:n])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[n:]
            rule = _prefix_rule(code)
            if rule is False or not national or national[0] == "0":
                return None
            if isinstance(rule, re.Pattern) and rule.match(national):
                return None
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            if not phonenumbers.is_possible_number(number):
                raise ValueError("not a possible phone number")
            return "+" + digits
    return None


_IBAN_SEPARATORS = re.compile(r"[ \-.]")


@functools.cache
def _bban_shape(country: str) -> re.Pattern[str] | None:
    """python-stdnum's BBAN structure for a country, compiled once (stdnum compiles it on every
    call). None sends the number to stdnum's full check: an unknown country, a country with its
    own national check (Belgium, Spain), or internals that moved in a newer stdnum."""
    try:
        if get_cc_module(country.lower(), "iban") is not None:
            return None
        props = iban._ibandb.info(country)[0][1]
        return iban._struct_to_re(props["bban"]) if props.get("bban") else None
    except (AttributeError, LookupError, TypeError):
        return None


def iban_compact(value: str) -> str:
    """The compact IBAN; ValueError unless python-stdnum would accept it."""
    number = _IBAN_SEPARATORS.sub("", value).strip().upper()
    shape = _bban_shape(number[:2])
    if shape is None:
        if not iban.is_valid(number):
            raise ValueError("not a valid IBAN (checksum fails)")
        return number
    if not (number[2:4].isdigit() and mod_97_10.is_valid(number[4:] + number[:4])):
        raise ValueError("not a valid IBAN (checksum fails)")
    if not shape.match(number[4:]):
        raise ValueError(f"not a valid IBAN (wrong account format for {number[:2]})")
    return number


def phone_e164(value: str, region: str) -> str:
    fast = _international_e164(value)
    if fast is not None:
        return fast
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
        return iban_compact(value)
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
