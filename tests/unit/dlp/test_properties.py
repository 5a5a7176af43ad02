"""Property tests: any valid card, IBAN or e-mail address embedded in random text is found,
with exact offsets, whatever separates it from the text around it."""

from __future__ import annotations

import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn

from strongroom.dlp.recognizers.alternation import alternation
from strongroom.dlp.recognizers.context import is_reference
from strongroom.dlp.scanner import scan

# Text around the entity: letters (some non-ASCII), punctuation and blanks, no digits, so
# the entity's own boundary is what is tested. Digits next to a card with only a space
# between are a different number, not a boundary.
_AROUND = st.text(
    alphabet=string.ascii_letters + "ąćęłńóśźżñé —–…!?\"'()[]{}<>;:,.*&^%$£€/\\|\t\n",
    max_size=40,
)
_BEFORE = st.sampled_from([" ", "\n", ": ", ", ", " (", "\t", "; ", " <", ' "'])
_AFTER = st.sampled_from([" ", "\n", ", ", ". ", ")", "\t", "; ", ">", "!", "", "."])

# Issuer prefixes of real card schemes (Visa, Mastercard old and new, Amex, Discover, JCB,
# Diners, UnionPay, Maestro).
_ISSUERS = ["4", "51", "52", "53", "54", "55", "2221", "2720", "34", "37", "6011", "65",
            "3528", "3589", "36", "38", "62", "6759", "5018"]  # fmt: skip


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, str]:
    """(the digits, the card as typed): 13 to 19 digits, Luhn-valid, plain/spaced/dashed."""
    prefix = draw(st.sampled_from(_ISSUERS))
    length = draw(st.integers(13, 19))
    body = prefix + draw(st.text(string.digits, min_size=length - len(prefix) - 1,
                                 max_size=length - len(prefix) - 1))  # fmt: skip
    digits = body + luhn.calc_check_digit(body)
    layout = draw(st.sampled_from(["plain", " ", "-"]))
    if layout == "plain":
        return digits, digits
    return digits, layout.join(digits[i : i + 4] for i in range(0, len(digits), 4))


@given(card=cards(), before=_AROUND, sep1=_BEFORE, sep2=_AFTER, after=_AROUND)
@settings(max_examples=200, deadline=None)
def test_any_valid_card_is_found_with_exact_offsets(
    card: tuple[str, str], before: str, sep1: str, sep2: str, after: str
) -> None:
    digits, typed = card
    assume(sep2 or not after[:1].isalnum())  # glued to a word, it is not a boundary
    text = before + sep1 + typed + sep2 + after
    start = len(before + sep1)
    assume(not is_reference(text, start))  # "po 4111…" is a purchase order by design
    findings = scan(text, entities=["CREDIT_CARD"])
    assert [(f.start, f.end) for f in findings] == [(start, start + len(typed))]
    assert "".join(c for c in text[findings[0].start : findings[0].end] if c.isdigit()) == digits


# Basic BBAN structures (n: digits, a: upper-case letters, c: either) of a few countries.
_BBANS = {
    "DE": "18n", "GB": "4a14n", "PL": "24n", "FR": "10n11c2n", "ES": "20n", "NL": "4a10n",
    "IT": "1a10n12c", "BE": "12n", "NO": "11n", "CH": "5n12c", "IE": "4a14n", "PT": "21n",
}  # fmt: skip
_CLASSES = {"n": string.digits, "a": string.ascii_uppercase,
            "c": string.digits + string.ascii_uppercase}  # fmt: skip


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A valid IBAN (mod 97 and the country's length), compact or in groups of four."""
    country = draw(st.sampled_from(sorted(_BBANS)))
    bban = ""
    structure = _BBANS[country]
    count = ""
    for char in structure:
        if char.isdigit():
            count += char
            continue
        bban += draw(st.text(_CLASSES[char], min_size=int(count), max_size=int(count)))
        count = ""
    compact = country + iban.calc_check_digits(country + "00" + bban) + bban
    assert iban.is_valid(compact, check_country=False)
    return compact if draw(st.booleans()) else iban.format(compact)


@given(number=ibans(), before=_AROUND, sep1=_BEFORE, sep2=_AFTER, after=_AROUND)
@settings(max_examples=200, deadline=None)
def test_any_valid_iban_is_found_with_exact_offsets(
    number: str, before: str, sep1: str, sep2: str, after: str
) -> None:
    assume(sep2 or not after[:1].isalnum())  # glued to a word, it is not a boundary
    text = before + sep1 + number + sep2 + after
    start = len(before + sep1)
    findings = scan(text, entities=["IBAN_CODE"])
    assert [(f.start, f.end) for f in findings] == [(start, start + len(number))]


_LOCAL = st.from_regex(r"[a-z0-9_%+\-](?:[a-z0-9_%+\-]|\.(?=[a-z0-9_%+\-])){0,20}", fullmatch=True)
_LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9\-]{0,10}[a-z0-9])?", fullmatch=True)


@st.composite
def emails(draw: st.DrawFn) -> str:
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    tld = draw(st.text(string.ascii_lowercase, min_size=2, max_size=6))
    return f"{draw(_LOCAL)}@{'.'.join(labels)}.{tld}"


@given(address=emails(), before=_AROUND, sep1=_BEFORE, sep2=_AFTER, after=_AROUND)
@settings(max_examples=200, deadline=None)
def test_any_valid_email_is_found_with_exact_offsets(
    address: str, before: str, sep1: str, sep2: str, after: str
) -> None:
    # "a@b.com.Thanks" (a full stop glued to a word) reads as a longer domain, rightly
    assume(not (sep2 == "." and after[:1].isalnum()))
    assume(sep2 or not (after[:1].isalnum() or after[:1] in "_-@.%+"))
    text = before + sep1 + address + sep2 + after
    start = len(before + sep1)
    findings = scan(text, entities=["EMAIL_ADDRESS"])
    assert [(f.start, f.end) for f in findings] == [(start, start + len(address))]


@given(st.sets(st.text("abcdeéł '", min_size=1, max_size=8), min_size=1, max_size=12),
       st.text("abcdeéł '", max_size=8))  # fmt: skip
def test_alternation_matches_exactly_its_words(words: set[str], other: str) -> None:
    import re

    pattern = re.compile(alternation(words, space=" "))
    for word in words:
        assert pattern.fullmatch(word)
    assert (pattern.fullmatch(other) is not None) == (other in words)
