"""Operators: what each finding in a text becomes before the text is stored or shown.

What this module guarantees:

- `neutralise` replaces the span of every finding and leaves the rest of the text as it was.
  Offsets are read against the original text only: the result is what applying the spans
  right to left would give, assembled in one pass. Findings that overlap are merged into one
  span (their union), typed by the finding with the highest score (then the longest, then a
  card first): no character of any finding survives.
- `redact`: `<ENTITY_TYPE>`.
- `mask`: what the vault's mask for a field of that class shows (`vault/masking.py`), so an
  agent sees the same of a card in a note as of a card field. A typed card keeps its last four
  digits and its separators (`**** **** **** 1111`); a spoken card, whose words would say more
  than stars can hide, becomes `<CREDIT_CARD ****1111>`. An email keeps its first letters and
  top-level domain (`p***@e***.org`), a phone number its last two digits, an IBAN and a US SSN
  their last four, a person their initials. Anything else (IP addresses, UK NINOs …) becomes
  its typed placeholder, as with `redact`.
- `hash`: `<ENTITY_TYPE#3f9a1c2b7d4e8a01>`, 16 hex digits of the tenant's keyed PRF over the
  value's normal form (`hash_form`: a card's digits, an email in lower case …), so a value
  written two ways hashes alike, the same value hashes alike within a tenant, and differently
  in another. The keyed part is the caller's `tenant_hasher`; this module holds no key.
- `tokenize`: a card becomes the vault's token for it (`tokenizer(digits)`); the token has the
  card's length and last four digits and fails the Luhn check, so it is never found again as a
  card. A card finding that is not a valid card number (or spoken words that spell none), and
  every other type, is redacted. `cards` lists the card numbers a text's findings hold, so a
  caller can issue all the tokens of a batch at once before neutralising.

Spoken cards ("four one one one …") are read into digits by `spoken_digits`, a small reader
written here over the spoken-card recogniser's word tables (`recognizers/spoken.py` exposes no
reader of a whole span), so the two agree on what a word means. A spoken card the reader does
not make a valid card of is redacted, never kept.

Pure: no I/O and no keys; findings with offsets outside the text are a `ValueError` (they
would otherwise leave the value they were meant to cover).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from strongroom.dlp.finding import Finding
from strongroom.dlp.invisible import visible
from strongroom.dlp.recognizers.spoken import REPEATS, TEENS, TENS, UNITS
from strongroom.vault.classes import CLASSES, card_digits
from strongroom.vault.masking import mask as vault_mask

OPERATORS: tuple[str, ...] = ("redact", "mask", "hash", "tokenize")
# Operators that need the tenant's keys (and so an instance and a tenant).
KEYED: frozenset[str] = frozenset({"hash", "tokenize"})
CARD = "CREDIT_CARD"
HASH_HEX = 16

TenantHasher = Callable[[str, str], str]  # (entity type, normal form) -> hex digest
Tokenizer = Callable[[str], str]  # card digits -> the tenant's token

_TYPED_CARD = re.compile(r"[0-9][0-9 .\-]*[0-9]")
_SEPARATORS = re.compile(r"[\s.\-]+")
_NUMBER_WORDS = re.compile(r"[^\W\d_]+|\d+")


def spoken_digits(value: str) -> str | None:
    """The digits the number words of `value` spell ("four one double one" -> "4111"), or
    None when it holds no number. Words are the spoken-card recogniser's own (its tables:
    English, Spanish and Polish digits, "double"/"triple", teens, "forty one"); digits typed
    among them count as written; any other word (a filler such as "uh") is passed over."""
    out: list[str] = []
    repeat = 1
    words = _NUMBER_WORDS.findall(value.casefold())
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in REPEATS:
            repeat = REPEATS[word]
            continue
        if word.isdigit():
            digits = word[0] * (repeat - 1) + word
        elif word in TENS:
            tail = UNITS.get(words[i]) if i < len(words) else None
            digits = TENS[word] + (tail or "0")
            i += tail is not None
            digits *= repeat
        elif word in TEENS or word in UNITS:
            digits = (TEENS.get(word) or UNITS[word]) * repeat
        else:
            continue
        out.append(digits)
        repeat = 1
    return "".join(out) or None


def card_of(value: str) -> str | None:
    """The card number (digits, Luhn-valid) a typed or spoken value holds, else None."""
    try:
        return card_digits(value)
    except ValueError:
        pass
    digits = spoken_digits(value) if any(ch.isalpha() for ch in value) else None
    if digits is None:
        return None
    try:
        return card_digits(digits)
    except ValueError:
        return None


def hash_form(entity_type: str, value: str) -> str:
    """The normal form a value is hashed in: the same value, however written, one form."""
    if entity_type == CARD:
        card = card_of(value)
        if card is not None:
            return card
    if entity_type == "EMAIL_ADDRESS":
        return value.strip().casefold()
    if entity_type in ("IBAN_CODE", "US_SSN", "UK_NINO"):
        return _SEPARATORS.sub("", value).upper()
    if entity_type == "PHONE_NUMBER":
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _placeholder(entity_type: str) -> str:
    return f"<{entity_type}>"


def _mask(entity_type: str, value: str) -> str:
    if entity_type == CARD:
        if _TYPED_CARD.fullmatch(value):
            return vault_mask("last4", value)
        digits = spoken_digits(value)
        if digits is not None and len(digits) >= 12:
            return f"<{CARD} ****{digits[-4:]}>"
        return _placeholder(CARD)
    cls = CLASSES.get(entity_type)
    kind = cls.default_mask if cls is not None else "withhold"
    if kind == "withhold" or (kind == "email" and "@" not in value):
        return _placeholder(entity_type)
    return vault_mask(kind, value)


def _spans(text: str, findings: Sequence[Finding]) -> list[tuple[int, int, str]]:
    """(start, end, entity type) of each span to replace, overlapping findings merged, in
    text order. Raises ValueError for a finding outside the text or of no length."""
    for f in findings:
        if not 0 <= f.start < f.end <= len(text):
            raise ValueError(
                f"a {f.entity_type} finding at {f.start}-{f.end} is outside a text of "
                f"{len(text)} characters"
            )
    ordered = sorted(findings, key=lambda f: (f.start, -f.end))
    out: list[tuple[int, int, str]] = []
    cluster: list[Finding] = []
    end = -1

    def close() -> None:
        best = max(cluster, key=lambda f: (f.score, f.end - f.start, f.entity_type == CARD))
        out.append((cluster[0].start, end, best.entity_type))

    for f in ordered:
        if cluster and f.start >= end:
            close()
            cluster = []
        cluster.append(f)
        end = max(end, f.end) if len(cluster) > 1 else f.end
    if cluster:
        close()
    return out


def cards(text: str, findings: Sequence[Finding]) -> set[str]:
    """The card numbers (digits) that `tokenize` would ask the tokenizer for."""
    out = set()
    for start, end, entity_type in _spans(text, findings):
        if entity_type == CARD:
            card = card_of(visible(text[start:end]))
            if card is not None:
                out.add(card)
    return out


def neutralise(
    text: str,
    findings: Sequence[Finding],
    operator: str,
    *,
    tenant_hasher: TenantHasher | None = None,
    tokenizer: Tokenizer | None = None,
) -> str:
    """`text` with every finding replaced as `operator` says (see the module's docstring).

    Raises ValueError for an unknown operator, `hash` without `tenant_hasher`, `tokenize`
    without `tokenizer`, or a finding outside the text.
    """
    if operator not in OPERATORS:
        raise ValueError(f"unknown operator {operator!r}; expected one of {', '.join(OPERATORS)}")
    if operator == "hash" and tenant_hasher is None:
        raise ValueError("the hash operator needs the tenant's hasher")
    if operator == "tokenize" and tokenizer is None:
        raise ValueError("the tokenize operator needs the tenant's tokenizer")
    pieces: list[str] = []
    done = 0
    for start, end, entity_type in _spans(text, findings):
        value = visible(text[start:end])  # one card, one token, however it was disguised
        if operator == "mask":
            new = _mask(entity_type, value)
        elif operator == "hash" and tenant_hasher is not None:
            digest = tenant_hasher(entity_type, hash_form(entity_type, value))
            new = f"<{entity_type}#{digest}>"
        elif operator == "tokenize" and tokenizer is not None and entity_type == CARD:
            card = card_of(value)
            new = tokenizer(card) if card is not None else _placeholder(CARD)
        else:
            new = _placeholder(entity_type)
        pieces += (text[done:start], new)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
