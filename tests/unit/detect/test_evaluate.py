"""Scoring alerts against labels: the window edges, false alerts per actor-hour, actor-days,
time to detect, the labels file, and pooling runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.detect.alert import SCENARIOS, Alert
from strongroom.detect.context import Context, FileContext
from strongroom.detect.evaluate import (
    SLACK_S,
    ActorDays,
    Label,
    Report,
    evaluate,
    parse_labels,
    pool,
    read_labels,
    score,
)
from strongroom.detect.events import Event, iso, parse_time
from strongroom.errors import BadInput

T0 = parse_time("2026-10-05T00:00:00Z")
H = 3600.0


def alert(
    actor: str, start: float, end: float | None = None, scenario: str = "bulk_lookup"
) -> Alert:
    return Alert(actor, start, start if end is None else end, scenario, 0.8, "test", ())


def label(actor: str, start: float, end: float, scenario: str = "bulk_lookup") -> Label:
    return Label(scenario, actor, start, end)


def event(actor: str, ts: float, action: str = "record.view") -> Event:
    return Event(ts, actor, "agent", "acme-bank", action, 1, "10.0.0.1", "ws-1", "mnl-1", "allowed")


# A label from 10:00 to 12:00; its window is 09:00 to 13:00, edges included.
L = label("a-1", T0 + 10 * H, T0 + 12 * H)


@pytest.mark.parametrize(
    ("start", "end", "caught"),
    [
        (T0 + 8 * H, T0 + 9 * H, True),  # ends exactly at the window's start
        (T0 + 8 * H, T0 + 9 * H - 1, False),  # one second earlier
        (T0 + 13 * H, T0 + 14 * H, True),  # starts exactly at the window's end
        (T0 + 13 * H + 1, T0 + 14 * H, False),  # one second later
        (T0 + 11 * H, T0 + 11 * H, True),  # inside
        (T0, T0 + 20 * H, True),  # spans the whole label
    ],
)
def test_label_caught_only_within_an_hour_of_either_edge(
    start: float, end: float, caught: bool
) -> None:
    report = score([alert("a-1", start, end)], [L], actor_days=1)
    assert report.scenarios["bulk_lookup"].caught == int(caught)
    assert report.false_alerts == int(not caught)


def test_alert_for_another_actor_catches_nothing() -> None:
    report = score([alert("a-2", T0 + 11 * H)], [L], actor_days=2)
    assert report.scenarios["bulk_lookup"].recall == 0
    assert report.false_alerts == 1


def test_named_share_counts_labels_whose_catching_alerts_name_their_scenario() -> None:
    labels = [
        label("a-1", T0, T0 + H, "slow_drip"),
        label("a-2", T0, T0 + H, "slow_drip"),
    ]
    alerts = [
        alert("a-1", T0, scenario="off_hours"),
        alert("a-1", T0 + H, scenario="slow_drip"),  # a second alert names it
        alert("a-2", T0, scenario="off_hours"),
    ]
    s = score(alerts, labels, actor_days=2).scenarios["slow_drip"]
    assert (s.labels, s.caught, s.named) == (2, 2, 1)
    assert s.recall == 1.0
    assert s.named_share == 0.5


def test_false_alerts_count_once_per_actor_and_hour() -> None:
    ten = T0 + 10 * H
    alerts = [
        alert("a-1", ten + 5 * 60, scenario="off_hours"),
        alert("a-1", ten + 40 * 60, scenario="off_hours"),
        alert("a-1", ten + H - 1, scenario="bulk_lookup"),  # still the 10:00 hour
        alert("a-1", ten + H, scenario="bulk_lookup"),  # 11:00: a second actor-hour
        alert("a-2", ten + 5 * 60, scenario="off_hours"),  # another actor, same hour
    ]
    report = score(alerts, [], actor_days=50)
    assert report.alerts == 5
    assert report.false_alerts == 3
    assert report.scenarios["off_hours"].false_alerts == 2
    assert report.scenarios["bulk_lookup"].false_alerts == 2  # rows may sum past the total
    assert report.false_per_100_actor_days(report.total) == pytest.approx(6.0)


def test_false_alerts_are_dated_by_their_end() -> None:
    report = score([alert("a-1", T0 + 9 * H, T0 + 10 * H + 1)] * 2, [], actor_days=1)
    assert report.false_alerts == 1


def test_an_alert_catching_a_label_is_not_false() -> None:
    report = score([alert("a-1", T0 + 11 * H, scenario="off_hours")], [L], actor_days=1)
    assert report.false_alerts == 0
    assert report.scenarios.get("off_hours") is None


def test_actor_days_count_distinct_actor_and_utc_date() -> None:
    days = ActorDays()
    stream = [
        event("a-1", T0 + 1),
        event("a-1", T0 + 5 * H),  # same actor, same date
        event("a-1", T0 + 24 * H - 1),  # 23:59:59, same date
        event("a-1", T0 + 24 * H),  # midnight UTC: a new date
        event("a-2", T0 + 5 * H),
    ]
    assert list(days.counted(stream)) == stream
    assert len(days) == 3


def test_no_actor_days_gives_no_rate() -> None:
    report = score([alert("a-1", T0)], [], actor_days=0)
    assert report.false_per_100_actor_days(report.total) is None


def test_time_to_detect_is_the_earliest_catching_alert_end_minus_label_start() -> None:
    labels = [
        label("a-1", T0 + 10 * H, T0 + 12 * H, "card_harvest"),
        label("a-2", T0 + 10 * H, T0 + 12 * H, "card_harvest"),
        label("a-3", T0 + 10 * H, T0 + 12 * H, "card_harvest"),
        label("a-4", T0 + 10 * H, T0 + 12 * H, "card_harvest"),  # never caught
    ]
    alerts = [
        alert("a-1", T0 + 11 * H, T0 + 11.5 * H),  # later one first in the stream
        alert("a-1", T0 + 10 * H, T0 + 10.5 * H),  # the earliest end: 30 min
        alert("a-2", T0 + 9 * H, T0 + 9.5 * H),  # ends before the label starts: clamp to 0
        alert("a-3", T0 + 10 * H, T0 + 12 * H),  # 2 h
    ]
    s = score(alerts, labels, actor_days=4).scenarios["card_harvest"]
    assert s.ttd_s == (0.0, 1800.0, 7200.0)
    assert s.median_ttd_s == 1800.0
    assert s.recall == 0.75


def test_overall_median_pools_every_scenario() -> None:
    labels = [label("a-1", T0, T0, "slow_drip"), label("a-2", T0, T0, "off_hours")]
    alerts = [alert("a-1", T0, T0 + 60), alert("a-2", T0, T0 + 180)]
    report = score(alerts, labels, actor_days=2)
    assert report.total.median_ttd_s == 120.0
    assert report.total.recall == 1.0


def _lines(*docs: object) -> str:
    return "\n".join(d if isinstance(d, str) else json.dumps(d) for d in docs)


GOOD = {"scenario": "bulk_lookup", "actor": "a-1", "start": iso(T0), "end": iso(T0 + H)}


def test_labels_file_is_read_with_blank_lines_ignored(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(_lines(GOOD, "", {**GOOD, "actor": "a-2"}) + "\n")
    assert read_labels(path) == [
        Label("bulk_lookup", "a-1", T0, T0 + H),
        Label("bulk_lookup", "a-2", T0, T0 + H),
    ]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({**GOOD, "scenario": "pizza_party"}, "scenario"),
        ({k: v for k, v in GOOD.items() if k != "scenario"}, "scenario"),
        ({**GOOD, "actor": ""}, "actor"),
        ({**GOOD, "actor": 7}, "actor"),
        ({**GOOD, "start": "yesterday"}, "start"),
        ({**GOOD, "start": "2026-10-05T00:00:00"}, "start"),  # no zone
        ({**GOOD, "end": iso(T0 - 1)}, "end"),  # before start
        ("{not json", None),
        ("[1, 2]", None),
    ],
)
def test_bad_label_line_is_bad_input_naming_file_line_and_field(
    bad: object, field: str | None
) -> None:
    with pytest.raises(BadInput) as exc:
        parse_labels(_lines(GOOD, bad), "labels.jsonl")
    loc = exc.value.location
    assert (loc.file, loc.line, loc.field) == ("labels.jsonl", 2, field)
    assert "labels.jsonl:2" in exc.value.message


def test_unreadable_labels_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot read"):
        read_labels(tmp_path / "absent.jsonl")


class EveryExport:
    """A test-local detector: one alert per export, named pre_departure_export."""

    def observe(self, event: Event, ctx: Context) -> list[Alert]:
        if event.action != "record.export":
            return []
        return [alert(event.actor, event.ts, scenario="pre_departure_export")]

    def finish(self, ctx: Context) -> list[Alert]:
        return [alert("a-9", T0 + 30 * H, scenario="off_hours")]


def test_evaluate_streams_events_through_the_auditor_and_scores() -> None:
    stream = [
        event("a-1", T0 + 10 * H),
        event("a-1", T0 + 11 * H, "record.export"),
        event("a-2", T0 + 11 * H, "record.export"),
        event("a-2", T0 + 30 * H),
    ]
    labels = [label("a-1", T0 + 10 * H, T0 + 12 * H, "pre_departure_export")]
    report = evaluate(iter(stream), FileContext().seal(), labels, [EveryExport()])
    assert (report.events, report.actor_days, report.alerts) == (4, 3, 3)
    s = report.scenarios["pre_departure_export"]
    assert (s.labels, s.caught, s.named, s.ttd_s, s.false_alerts) == (1, 1, 1, (3600.0,), 1)
    assert report.false_alerts == 2  # a-2's export, and the alert pending at the end
    assert report.seconds >= 0


def test_table_lists_every_scenario_and_the_total() -> None:
    text = score([alert("a-1", T0 + 11 * H)], [L], actor_days=10).table()
    for name in [*SCENARIOS, "all", "median TTD"]:
        assert name in text
    assert "100%" in text


def test_pooling_nothing_is_bad_input() -> None:
    with pytest.raises(BadInput):
        pool([])


def test_report_from_something_else_is_bad_input() -> None:
    with pytest.raises(BadInput, match="scenarios"):
        Report.from_dict({"overall": {}})


# Properties: times on whole seconds over two days, a handful of actors.
actors = st.sampled_from(["a-1", "a-2", "a-3", "a-4"])
secs = st.integers(0, 48 * 3600).map(lambda s: T0 + s)
labels_st = st.lists(
    st.builds(
        lambda sc, a, s, d: Label(sc, a, s, s + d),
        st.sampled_from(SCENARIOS),
        actors,
        secs,
        st.integers(0, 6 * 3600),
    ),
    max_size=8,
)
alerts_st = st.lists(
    st.builds(
        lambda sc, a, s, d: alert(a, s, s + d, sc),
        st.sampled_from(SCENARIOS),
        actors,
        secs,
        st.integers(0, 3 * 3600),
    ),
    max_size=20,
)


def _caught(lab: Label, alerts: Sequence[Alert]) -> bool:
    return any(
        a.actor == lab.actor and a.start - SLACK_S <= lab.end and lab.start <= a.end + SLACK_S
        for a in alerts
    )


@settings(max_examples=200, deadline=None)
@given(labels_st, alerts_st)
def test_counts_agree_with_a_direct_reading_of_the_rule(
    labels: list[Label], alerts: list[Alert]
) -> None:
    report = score(alerts, labels, actor_days=5)
    total = report.total
    assert total.labels == len(labels)
    assert total.caught == sum(_caught(lab, alerts) for lab in labels)
    assert total.named <= total.caught == len(total.ttd_s)
    assert all(t >= 0 for t in total.ttd_s)
    assert report.false_alerts <= len(alerts)


@settings(max_examples=100, deadline=None)
@given(labels_st, alerts_st)
def test_report_round_trips_and_pools_a_split_by_actor(
    labels: list[Label], alerts: list[Alert]
) -> None:
    whole = score(alerts, labels, actor_days=8, events=100, seconds=2.0)
    assert Report.from_dict(whole.to_dict()).to_dict() == whole.to_dict()
    left = {"a-1", "a-2"}
    parts = [
        score(
            [a for a in alerts if (a.actor in left) == side],
            [lab for lab in labels if (lab.actor in left) == side],
            actor_days=4,
            events=50,
            seconds=1.0,
        )
        for side in (True, False)
    ]
    pooled = pool(parts).to_dict()
    assert pooled.pop("runs") == 2
    expected = whole.to_dict()
    expected.pop("runs")
    # Scenarios with nothing in them may be present in one and absent in the other.
    for doc in (pooled, expected):
        doc["scenarios"] = {
            n: s for n, s in doc["scenarios"].items() if s["labels"] or s["false_alerts"]
        }
    assert pooled == expected
