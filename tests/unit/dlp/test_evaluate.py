"""Scoring findings against labels: exact spans, the relaxed overlap, micro averaging, empty
cases, timing, and the corpus file's errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from strongroom.dlp.corpus import Label, Sample, parse_corpus, read_corpus
from strongroom.dlp.evaluate import Span, TypeScore, evaluate, score
from strongroom.dlp.finding import ENTITIES, Finding
from strongroom.errors import BadInput

TEXT = "card 4111 1111 1111 1111, call +44 20 7946 0958 or mail ana@example.org"
CARD = Label("CREDIT_CARD", 5, 24)
PHONE = Label("PHONE_NUMBER", 31, 47)
EMAIL = Label("EMAIL_ADDRESS", 56, 71)


def doc(*labels: Label, text: str = TEXT, sid: str = "t-1") -> Sample:
    return Sample(sid, "note", "GB", text, labels)


def found(entity_type: str, start: int, end: int) -> Finding:
    return Finding(entity_type, start, end, 0.9, "test")


def one(labels: Sequence[Label], predicted: Sequence[Span]) -> dict[str, TypeScore]:
    return dict(score([doc(*labels)], [predicted]).types)


def test_labels_match_the_text() -> None:
    assert TEXT[CARD.start : CARD.end] == "4111 1111 1111 1111"
    assert TEXT[PHONE.start : PHONE.end] == "+44 20 7946 0958"
    assert TEXT[EMAIL.start : EMAIL.end] == "ana@example.org"


def test_same_type_and_span_is_a_true_positive() -> None:
    s = one([CARD], [found("CREDIT_CARD", 5, 24)])["CREDIT_CARD"]
    assert (s.support, s.predicted, s.exact) == (1, 1, 1)
    assert s.precision == s.recall == s.f1 == 1.0


@pytest.mark.parametrize(("start", "end"), [(4, 24), (6, 24), (5, 23), (5, 25)])
def test_off_by_one_is_wrong_exactly_but_right_relaxed(start: int, end: int) -> None:
    s = one([CARD], [found("CREDIT_CARD", start, end)])["CREDIT_CARD"]
    assert s.exact == 0
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)
    assert (s.relaxed_precision, s.relaxed_recall, s.relaxed_f1) == (1.0, 1.0, 1.0)


def test_relaxed_needs_half_of_the_label_covered() -> None:
    # The phone label is 16 characters: 8 overlapped is enough, 7 is not.
    assert one([PHONE], [found("PHONE_NUMBER", 39, 47)])["PHONE_NUMBER"].found == 1
    assert one([PHONE], [found("PHONE_NUMBER", 40, 47)])["PHONE_NUMBER"].found == 0


def test_type_mismatch_is_a_false_positive_and_a_miss() -> None:
    scores = one([PHONE], [found("US_SSN", 31, 47)])
    assert scores["PHONE_NUMBER"] == TypeScore(support=1)
    assert scores["US_SSN"] == TypeScore(predicted=1)
    assert scores["PHONE_NUMBER"].recall == 0.0 and scores["US_SSN"].precision == 0.0


def test_a_span_reported_twice_counts_once() -> None:
    s = one([EMAIL], [found("EMAIL_ADDRESS", 56, 71), found("EMAIL_ADDRESS", 56, 71)])
    assert (s["EMAIL_ADDRESS"].exact, s["EMAIL_ADDRESS"].predicted) == (1, 2)
    assert s["EMAIL_ADDRESS"].precision == 0.5


def test_micro_adds_counts_before_dividing() -> None:
    # Cards: 1 label, found. Phones: 3 labels over three texts, 1 found, 1 false positive.
    samples = [doc(CARD, PHONE, sid="a"), doc(PHONE, sid="b"), doc(PHONE, sid="c")]
    predicted = [
        [found("CREDIT_CARD", 5, 24), found("PHONE_NUMBER", 31, 47)],
        [found("PHONE_NUMBER", 0, 4)],
        [],
    ]
    report = score(samples, predicted)
    micro = report.micro
    assert (micro.support, micro.predicted, micro.exact) == (4, 3, 2)
    assert micro.precision == pytest.approx(2 / 3)
    assert micro.recall == pytest.approx(2 / 4)
    assert micro.f1 == pytest.approx(2 * 2 / (4 + 3))
    # The macro mean of the two types' recall would be (1 + 1/3) / 2, not 1/2.
    assert report.types["PHONE_NUMBER"].recall == pytest.approx(1 / 3)


def test_nothing_to_find_and_nothing_found_has_no_figures() -> None:
    s = one([], [])
    assert s == {}
    report = score([doc()], [[]])
    assert (report.micro.precision, report.micro.recall, report.micro.f1) == (None, None, None)
    assert all(v["f1"] is None for v in report.to_dict()["types"].values())
    assert "-" in report.table()


def test_labels_and_no_predictions_score_zero_not_undefined() -> None:
    s = one([CARD], [])["CREDIT_CARD"]
    assert (s.precision, s.recall, s.f1) == (None, 0.0, 0.0)
    s = one([], [found("CREDIT_CARD", 5, 24)])["CREDIT_CARD"]
    assert (s.precision, s.recall, s.f1) == (0.0, None, 0.0)


def test_an_empty_corpus_scores_nothing() -> None:
    report = score([], [])
    assert report.samples == 0 and report.micro == TypeScore() and report.mb_per_s is None


def test_one_prediction_list_per_sample() -> None:
    with pytest.raises(ValueError):
        score([doc(CARD), doc(PHONE, sid="b")], [[]])


def test_evaluate_times_the_scanner_and_counts_utf8_bytes() -> None:
    samples = [doc(PHONE), doc(text="Señora Pérez", sid="b")]
    calls: list[str] = []

    def scan(text: str) -> list[Finding]:
        calls.append(text)
        return [found("PHONE_NUMBER", 31, 47)] if text == TEXT else []

    report = evaluate(samples, scan)
    assert calls == [TEXT, "Señora Pérez"]
    assert report.bytes == len(TEXT) + len("Señora Pérez") + 2  # ñ and é take two bytes
    assert report.seconds > 0 and report.mb_per_s is not None
    assert report.types["PHONE_NUMBER"].f1 == 1.0


def test_report_lists_every_entity_type_in_order_then_others() -> None:
    report = score([doc(CARD)], [[found("CREDIT_CARD", 5, 24), found("LOCATION", 0, 4)]])
    d = report.to_dict()
    assert list(d["types"]) == [*ENTITIES, "LOCATION"]
    assert d["micro"]["true_positives"] == 1 and d["micro"]["false_positives"] == 1
    assert d["types"]["CREDIT_CARD"]["relaxed"]["f1"] == 1.0
    table = report.table()
    assert all(t in table for t in ENTITIES) and "micro" in table


# ---- the corpus file -------------------------------------------------------------------------

GOOD = {"id": "a", "kind": "note", "country": "GB", "text": "hi Ana", "entities": []}


def lines(*objs: object) -> str:
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ("{not json", None),
        ([1, 2], None),
        ({**GOOD, "id": ""}, "id"),
        ({k: v for k, v in GOOD.items() if k != "text"}, "text"),
        ({**GOOD, "kind": 3}, "kind"),
        ({**GOOD, "entities": {}}, "entities"),
        ({**GOOD, "entities": ["x"]}, "entities[0]"),
        (
            {**GOOD, "entities": [{"entity_type": "NAME", "start": 3, "end": 6}]},
            "entities[0].entity_type",
        ),
        (
            {**GOOD, "entities": [{"entity_type": "PERSON", "start": "3", "end": 6}]},
            "entities[0].start",
        ),
        (
            {**GOOD, "entities": [{"entity_type": "PERSON", "start": 3, "end": True}]},
            "entities[0].end",
        ),
        (
            {**GOOD, "entities": [{"entity_type": "PERSON", "start": 3, "end": 7}]},
            "entities[0].end",
        ),
        (
            {**GOOD, "entities": [{"entity_type": "PERSON", "start": 3, "end": 3}]},
            "entities[0].end",
        ),
    ],
)
def test_malformed_line_names_file_line_and_field(bad: object, field: str | None) -> None:
    with pytest.raises(BadInput) as caught:
        parse_corpus(lines(GOOD, "", bad), "corpus.jsonl")
    loc = caught.value.location
    assert (loc.file, loc.line, loc.field) == ("corpus.jsonl", 3, field)


def test_repeated_id_is_bad_input() -> None:
    with pytest.raises(BadInput) as caught:
        parse_corpus(lines(GOOD, GOOD), "c.jsonl")
    assert (caught.value.location.line, caught.value.location.field) == (2, "id")


def test_good_lines_parse_and_blank_lines_are_skipped() -> None:
    labelled = {**GOOD, "id": "b", "entities": [{"entity_type": "PERSON", "start": 3, "end": 6}]}
    samples = parse_corpus(lines(GOOD, "  ", labelled), "c.jsonl")
    assert [s.id for s in samples] == ["a", "b"]
    assert samples[1].entities == (Label("PERSON", 3, 6),)


def test_missing_corpus_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        read_corpus(tmp_path / "absent.jsonl")
    assert caught.value.location.file == str(tmp_path / "absent.jsonl")
