"""Values for the evaluation corpus, each one valid by the check its type carries.

A card passes Luhn (`stdnum.luhn`), an IBAN passes mod 97 and, where python-stdnum knows one,
its country's own check (Spain's CCC; Poland's sort-code digit and France's RIB key are
computed here too); an SSN passes `stdnum.us.ssn`; a UK NINO keeps to HMRC's letter rules; a
phone number is valid for its country by `phonenumbers`. A corpus of invalid values would
reward a recogniser for skipping its validator, so nothing here is merely number-shaped.

The same values are written the way people write them: grouped, dashed, compact, with a
national or an international prefix, and card numbers spoken digit by digit as a call
transcript has them ("four one one one, double two ..."). Everything draws from the caller's
`random.Random`, so a seed gives the same values every time.
"""

from __future__ import annotations

import ipaddress
import random
import unicodedata

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.es import ccc
from stdnum.us import ssn as stdnum_ssn

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# (prefix, total length, groups as written); the remaining digits are random, the last is Luhn's.
_CARD_KINDS: tuple[tuple[tuple[str, ...], int, tuple[int, ...], int], ...] = (
    (("4",), 16, (4, 4, 4, 4), 45),  # Visa
    (("51", "52", "53", "54", "55", "2221", "2300", "2720"), 16, (4, 4, 4, 4), 30),  # MC
    (("34", "37"), 15, (4, 6, 5), 10),  # American Express
    (("6011", "65"), 16, (4, 4, 4, 4), 8),  # Discover
    (("3528", "3589"), 16, (4, 4, 4, 4), 4),  # JCB
    (("36",), 14, (4, 6, 4), 3),  # Diners Club
)


def card(rng: random.Random) -> tuple[str, tuple[int, ...]]:
    """A Luhn-valid card number (digits only) and the groups it is written in."""
    prefixes, length, groups, _ = rng.choices(_CARD_KINDS, [k[3] for k in _CARD_KINDS])[0]
    body = rng.choice(prefixes)
    body += "".join(rng.choice("0123456789") for _ in range(length - 1 - len(body)))
    return body + luhn.calc_check_digit(body), groups


def grouped(digits: str, groups: tuple[int, ...], sep: str) -> str:
    out, at = [], 0
    for g in groups:
        out.append(digits[at : at + g])
        at += g
    return sep.join(out)


def written_card(rng: random.Random, digits: str, groups: tuple[int, ...]) -> str:
    sep = rng.choices((" ", "-", ""), (60, 15, 25))[0]
    return grouped(digits, groups, sep)


def spoken(rng: random.Random, digits: str, groups: tuple[int, ...]) -> str:
    """Digits as a caller reads them: word by word, a pause between groups, runs as "double"
    and "triple", zero as "oh" about half the time (one style per reading)."""
    oh = rng.random() < 0.5
    runs = rng.random() < 0.6
    sep = rng.choices((", ", " ", "... "), (50, 30, 20))[0]
    out: list[str] = []
    at = 0
    for g in groups:
        chunk, words, i = digits[at : at + g], [], 0
        at += g
        while i < len(chunk):
            d = chunk[i]
            word = "oh" if d == "0" and oh else DIGIT_WORDS[int(d)]
            n = 1
            while i + n < len(chunk) and chunk[i + n] == d and n < 3:
                n += 1
            if runs and n == 3:
                words.append(f"triple {word}")
            elif runs and n == 2:
                words.append(f"double {word}")
            else:
                n = 1
                words.append(word)
            i += n
        out.append(" ".join(words))
    return sep.join(out)


def luhn_failing(rng: random.Random, length: int = 16) -> str:
    """Digits shaped like a card number whose Luhn check fails: a case reference, say."""
    body = rng.choice("3456") + "".join(rng.choice("0123456789") for _ in range(length - 2))
    good = luhn.calc_check_digit(body)
    return body + rng.choice([d for d in "0123456789" if d != good])


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _pl_sort_code(rng: random.Random) -> str:
    """A Polish bank-branch number: 7 digits and the check digit over them (weights 3,9,7,1)."""
    head = rng.choice(("102", "105", "109", "114", "116", "124", "144", "175")) + _digits(rng, 4)
    total = sum(int(d) * w for d, w in zip(head, (3, 9, 7, 1, 3, 9, 7), strict=True))
    return head + str((10 - total % 10) % 10)


def _fr_rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def _bban(rng: random.Random, country: str) -> str:
    if country == "GB":
        bank = rng.choice(("NWBK", "BARC", "HBUK", "LOYD", "MIDL", "SRLG", "MONZ"))
        return bank + _digits(rng, 14)
    if country == "DE":
        return str(rng.randint(1, 8)) + _digits(rng, 17)
    if country == "FR":
        bank, branch, account = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
        return bank + branch + account + _fr_rib_key(bank, branch, account)
    if country == "ES":
        bank_branch, account = _digits(rng, 8), _digits(rng, 10)
        return bank_branch + ccc.calc_check_digits(bank_branch + "00" + account) + account
    if country == "PL":
        return _pl_sort_code(rng) + _digits(rng, 16)
    raise ValueError(f"no IBAN for {country}")


IBAN_COUNTRIES = ("GB", "DE", "FR", "ES", "PL")


def iban(rng: random.Random, country: str) -> str:
    """A valid IBAN of `country` (one of IBAN_COUNTRIES), compact."""
    bban = _bban(rng, country)
    return country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban


def written_iban(rng: random.Random, compact: str) -> str:
    if rng.random() < 0.6:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def ssn(rng: random.Random) -> str:
    """A US SSN as written: dashed mostly, sometimes spaced, rarely compact."""
    while True:
        digits = f"{rng.randint(1, 899):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if stdnum_ssn.is_valid(digits):
            break
    sep = rng.choices(("-", " ", ""), (75, 15, 10))[0]
    return sep.join((digits[:3], digits[3:5], digits[5:]))


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"  # never D, F, I, Q, U, V
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"  # nor O
_NINO_BARRED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino(rng: random.Random) -> str:
    """A UK National Insurance number by HMRC's prefix and suffix rules, as written."""
    while True:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        if prefix not in _NINO_BARRED:
            break
    digits, suffix = _digits(rng, 6), rng.choice("ABCD")
    style = rng.choices(("spaced", "compact", "middle"), (45, 45, 10))[0]
    if style == "spaced":
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    if style == "middle":
        return f"{prefix} {digits} {suffix}"
    return f"{prefix}{digits}{suffix}"


# National significant numbers: (leading digits, how many random digits follow).
_PHONE_PLANS: dict[str, tuple[tuple[str, int], ...]] = {
    "US": (("212", 7), ("415", 7), ("646", 7), ("312", 7), ("713", 7), ("305", 7), ("617", 7)),
    "GB": (("74", 8), ("75", 8), ("77", 8), ("79", 8), ("207", 7), ("203", 7), ("161", 7)),
    "PH": (("917", 7), ("918", 7), ("927", 7), ("995", 7), ("939", 7), ("28", 7)),
    "PL": (("50", 7), ("51", 7), ("60", 7), ("69", 7), ("78", 7), ("22", 7)),
    "CO": (("300", 7), ("310", 7), ("315", 7), ("320", 7), ("601", 7), ("604", 7)),
    "DE": (("151", 8), ("160", 8), ("170", 8), ("176", 8), ("30", 8), ("89", 7)),
    "FR": (("6", 8), ("7", 8), ("1", 8), ("4", 8)),
    "ES": (("6", 8), ("7", 8), ("91", 7), ("93", 7)),
    "IN": (("98", 8), ("99", 8), ("90", 8), ("70", 8), ("81", 8)),
}
_TOLL_FREE: dict[str, tuple[str, int]] = {
    "US": ("800", 7),
    "GB": ("800", 6),
    "PH": ("2", 8),
    "PL": ("22", 7),
    "CO": ("601", 7),
    "DE": ("800", 7),
    "FR": ("1", 8),
    "ES": ("91", 7),
    "IN": ("22", 8),
}
PHONE_COUNTRIES = tuple(_PHONE_PLANS)


def _valid_number(
    rng: random.Random, country: str, plan: tuple[str, int]
) -> phonenumbers.PhoneNumber:
    code = phonenumbers.country_code_for_region(country)
    while True:
        lead, n = plan
        number = phonenumbers.parse(f"+{code}{lead}{_digits(rng, n)}")
        if phonenumbers.is_valid_number(number):
            return number


def _written_phone(rng: random.Random, number: phonenumbers.PhoneNumber) -> str:
    fmt = phonenumbers.PhoneNumberFormat
    style = rng.choices(("intl", "national", "e164", "dashed"), (40, 35, 10, 15))[0]
    if style == "intl":
        return str(phonenumbers.format_number(number, fmt.INTERNATIONAL))
    if style == "e164":
        return str(phonenumbers.format_number(number, fmt.E164))
    national = str(phonenumbers.format_number(number, fmt.NATIONAL))
    if number.country_code == 91:  # India writes mobiles without the trunk 0
        national = national.removeprefix("0")
    if style == "dashed":
        return national.replace("(", "").replace(") ", "-").replace(")", "").replace(" ", "-")
    return national


def phone(rng: random.Random, country: str) -> str:
    """A valid number of `country` (a key of the phone plans), written in a local way."""
    return _written_phone(rng, _valid_number(rng, country, rng.choice(_PHONE_PLANS[country])))


def company_phone(rng: random.Random, country: str) -> str:
    """A contact centre's line: free phone where the country has one, else a city number."""
    return _written_phone(rng, _valid_number(rng, country, _TOLL_FREE[country]))


def ipv4(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.25:
        return f"192.168.{rng.randint(0, 20)}.{rng.randint(2, 254)}"
    if kind < 0.4:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
    while True:
        first = rng.randint(1, 223)
        if first not in (10, 127):
            return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    """A global unicast address, compressed as software prints it (so often with ``::``)."""
    head = rng.choice((0x2001, 0x2A02, 0x2600, 0x2804, 0x2405, 0x2A01))
    groups = [head] + [rng.randint(0, 0xFFFF) for _ in range(7)]
    if rng.random() < 0.6:  # a run of zero groups, as most real addresses have
        at = rng.randint(2, 5)
        for i in range(at, at + rng.randint(2, 3)):
            groups[i] = 0
    value = 0
    for g in groups:
        value = (value << 16) | g
    return ipaddress.IPv6Address(value).compressed


def mac(rng: random.Random) -> str:
    """A hardware address: colon-separated hex, a hard negative for IPv6 patterns."""
    return ":".join(f"{rng.randint(0, 255):02x}" for _ in range(6))


def ascii_fold(s: str) -> str:
    """`s` without diacritics, as it goes into an email address (Pérez -> perez, Łukasz ->
    lukasz)."""
    s = s.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def email(rng: random.Random, first: str, last: str, domains: tuple[str, ...]) -> str:
    f = ascii_fold(first).lower().replace(" ", "").replace("-", "").replace("'", "")
    ln = ascii_fold(last).lower().replace(" ", "").replace("-", "").replace("'", "")
    local = rng.choice(
        (
            f"{f}.{ln}",
            f"{f[0]}{ln}",
            f"{f}_{ln}{rng.randint(1, 99)}",
            f"{ln}.{f}",
            f"{f}{ln}{rng.randint(70, 99)}",
            f"{f}.{ln[0]}",
        )
    )
    return f"{local}@{rng.choice(domains)}"
