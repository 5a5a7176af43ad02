"""The evaluation corpus: the same per seed, labels at exact offsets over valid values, hard
negatives unlabelled, and every entity type present in useful numbers."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from stdnum import iban, luhn
from stdnum.us import ssn

from strongroom.dlp.corpus import KINDS, Sample, generate, read_corpus, sample, write_corpus
from strongroom.dlp.corpus_parts import CITIES, COUNTRIES
from strongroom.dlp.corpus_values import DIGIT_WORDS
from strongroom.dlp.finding import ENTITIES

_WORD_DIGITS = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0"}
_NINO = re.compile(
    r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]"
)  # HMRC's letter rules, on the compact form
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")


@pytest.fixture(scope="module")
def corpus() -> list[Sample]:
    return list(generate(600, 1))


def spoken_digits(words: str) -> str:
    """The digits of a card read out ("four one double two, oh ..."); KeyError on any other
    word, so a label that strays past the digits fails the test."""
    out, times = [], 1
    for w in re.findall(r"[a-z]+", words):
        if w in ("double", "triple"):
            times = 2 if w == "double" else 3
            continue
        out.append(_WORD_DIGITS[w] * times)
        times = 1
    return "".join(out)


def is_valid(entity_type: str, value: str, country: str) -> bool:
    if entity_type == "CREDIT_CARD":
        digits = re.sub(r"[ -]", "", value) if value[0].isdigit() else spoken_digits(value)
        return digits.isdigit() and 13 <= len(digits) <= 19 and luhn.is_valid(digits)
    if entity_type == "IBAN_CODE":
        return bool(iban.is_valid(value))
    if entity_type == "US_SSN":
        digits = re.sub(r"[ -]", "", value)
        return len(digits) == 9 and bool(ssn.is_valid(digits))
    if entity_type == "UK_NINO":
        return _NINO.fullmatch(value.replace(" ", "")) is not None
    if entity_type == "PHONE_NUMBER":
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, country)))
    if entity_type == "EMAIL_ADDRESS":
        return _EMAIL.fullmatch(value) is not None
    if entity_type == "IP_ADDRESS":
        return bool(ipaddress.ip_address(value))
    if entity_type == "PERSON":
        return all(w[0].isupper() and not any(c.isdigit() for c in w) for w in value.split())
    raise AssertionError(entity_type)


def test_same_seed_gives_same_corpus_and_a_prefix_for_fewer() -> None:
    first = list(generate(40, 7))
    assert list(generate(40, 7)) == first
    assert list(generate(10, 7)) == first[:10]
    assert sample(7, 25) == first[25]


def test_other_seed_gives_other_texts() -> None:
    assert [s.text for s in generate(20, 7)] != [s.text for s in generate(20, 8)]


def test_every_label_spans_a_valid_value_of_its_type(corpus: list[Sample]) -> None:
    for s in corpus:
        for lab in s.entities:
            value = s.text[lab.start : lab.end]
            assert value and value == value.strip(), (s.id, value)
            assert is_valid(lab.entity_type, value, s.country), (s.id, lab.entity_type, value)


def test_labels_are_in_order_and_never_overlap(corpus: list[Sample]) -> None:
    for s in corpus:
        ends = [0] + [lab.end for lab in s.entities]
        starts = [lab.start for lab in s.entities]
        assert all(start >= end for start, end in zip(starts, ends, strict=False)), s.id


def test_card_numbers_are_typed_and_spoken(corpus: list[Sample]) -> None:
    cards = [
        s.text[x.start : x.end]
        for s in corpus
        for x in s.entities
        if x.entity_type == "CREDIT_CARD"
    ]
    spoken = [c for c in cards if c[0].isalpha()]
    assert len(spoken) >= 50
    assert any("double" in c or "triple" in c for c in spoken)
    assert any(re.search(r"\boh\b", c) for c in spoken)
    assert len(cards) - len(spoken) >= 50


def test_every_type_kind_and_country_is_present_in_numbers() -> None:
    for seed in (1, 101):
        samples = list(generate(600, seed))
        per_type = Counter(x.entity_type for s in samples for x in s.entities)
        assert {t: per_type[t] for t in ENTITIES if per_type[t] < 60} == {}, seed
        assert {s.kind for s in samples} == set(KINDS)
        assert {s.country for s in samples} == set(COUNTRIES)


def _unlabelled(s: Sample, start: int, end: int) -> bool:
    return all(end <= x.start or start >= x.end for x in s.entities)


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("UPS tracking number", r"\b1Z[0-9A-Z]{16}\b"),
        ("long parcel number", r"\b\d{20,22}\b"),
        ("version number", r"\bv\d+\.\d+\.\d+"),
        ("card's last four", r"ending (?:in )?\d{4}\b"),
        ("MAC address", r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b"),
        ("invoice number", r"\bINV[-/]\d+[-/]\d+"),
        ("amount", r"(?:€|£|\$|₹|zł|PHP|COP|EUR)\s?[\d.,]+|[\d.,]+ (?:€|zł)"),
        ("time", r"\b\d{1,2}:\d{2}\b"),
        ("weekday", r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"),
        ("card brand", r"\b(?:Visa|Mastercard|American Express)\b"),
        ("city", "|".join(c for cities in CITIES.values() for c in cities)),
    ],
)
def test_hard_negatives_are_present_and_unlabelled(
    corpus: list[Sample], what: str, pattern: str
) -> None:
    hits = [
        (s, m) for s in corpus for m in re.finditer(pattern, s.text) if _unlabelled(s, *m.span())
    ]
    assert len(hits) >= 10, what


def test_case_references_look_like_cards_but_fail_luhn(corpus: list[Sample]) -> None:
    refs = [
        (s, m)
        for s in corpus
        for m in re.finditer(r"ref(?:erence)?[^\d\n]{0,25}?((?:\d{4} ?){3}\d{4})\b", s.text)
    ]
    assert len(refs) >= 10
    for s, m in refs:
        assert not luhn.is_valid(m.group(1).replace(" ", "")), m.group(1)
        assert _unlabelled(s, *m.span(1))


def test_written_corpus_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    labelled = write_corpus(path, 25, 3)
    samples = read_corpus(path)
    assert samples == list(generate(25, 3))
    assert labelled == sum(len(s.entities) for s in samples)
