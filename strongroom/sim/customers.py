"""Synthetic customer records: valid-looking, seeded, and never real.

Card numbers are Luhn-valid with test-range prefixes, IBANs carry correct check digits,
phone numbers are in reserved fiction ranges (UK 07700 900xxx, US 555-01xx).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from stdnum import iban, luhn

FIRST = [
    "Pat",
    "Sam",
    "Alex",
    "Maria",
    "Jun",
    "Aisha",
    "Tom",
    "Ines",
    "Ravi",
    "Olga",
    "Kofi",
    "Lena",
    "Diego",
    "Mei",
    "Omar",
    "Sara",
    "Ivan",
    "Nora",
    "Luca",
    "Ana",
]
LAST = [
    "Smith",
    "Garcia",
    "Okafor",
    "Chen",
    "Kowalski",
    "Dubois",
    "Santos",
    "Reyes",
    "Nguyen",
    "Muller",
    "Rossi",
    "Haddad",
    "Silva",
    "Novak",
    "Tanaka",
    "Jensen",
    "Ali",
    "Costa",
]
DOMAINS = ["example.org", "example.com", "example.net", "mail.example.co.uk"]
NOTES = [
    "Called about a late delivery.",
    "Asked to update billing address.",
    "Disputed a charge; refund promised.",
    "Prefers email contact.",
    "Card reported lost.",
]
SPEC_YAML = """\
tenant: {tenant}
name: {name}
retention_days: 730
phone_region: GB
fields:
  full_name:   {{class: PERSON, mask: initials}}
  email:       {{class: EMAIL_ADDRESS, searchable: true}}
  phone:       {{class: PHONE_NUMBER, searchable: true}}
  card_number: {{class: CREDIT_CARD, tokenize: true}}
  iban:        {{class: IBAN_CODE}}
  notes:       {{class: FREE_TEXT}}
"""


def card(rng: random.Random, length: int = 16) -> str:
    body = rng.choice(["4", "51", "52", "37", "6011"])
    body += "".join(rng.choice("0123456789") for _ in range(length - len(body) - 1))
    return body + luhn.calc_check_digit(body)


def gb_iban(rng: random.Random) -> str:
    bban = "NWBK" + "".join(rng.choice("0123456789") for _ in range(14))
    check = iban.calc_check_digits("GB00" + bban)
    return f"GB{check}{bban}"


def customer(rng: random.Random, n: int, prefix: str = "c") -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "id": f"{prefix}-{n:06d}",
        "full_name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{n}@{rng.choice(DOMAINS)}",
        "phone": f"+44 7700 9{n % 100000:05d}",
        "card_number": card(rng, rng.choice([15, 16, 16, 16, 19]) if rng.random() < 0.2 else 16),
        "iban": gb_iban(rng),
        "notes": rng.choice(NOTES),
    }


def customers(count: int, seed: int = 7, prefix: str = "c") -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    for n in range(1, count + 1):
        yield customer(rng, n, prefix)
