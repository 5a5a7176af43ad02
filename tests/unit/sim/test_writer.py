"""Event lines and the time-ordered stream they are written in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strongroom.detect.events import event_from_dict, iso
from strongroom.sim.session import DAY_S, T0, Clock, Session, day_start
from strongroom.sim.writer import SETTLE_S, Batch, Output


def _session(out: list[str], clock: Clock) -> Session:
    return Session(
        clock, out, "emp-0042", "agent", "northbank", "10.10.0.52", "ws-mnl-1-0042", "mnl-1"
    )


def test_lines_carry_the_schema_and_leave_out_what_does_not_apply() -> None:
    clock, out = Clock(3), []
    s = _session(out, clock)
    s.login(T0 + 100)
    s.view(T0 + 200, "no-000123", "T-100231")
    s.event(
        T0 + 300,
        "record.reveal",
        subject="no-000123",
        ticket="T-100231",
        fields=("full_name", "card_number"),
    )
    s.event(T0 + 400, "record.view", subject="sm-000001", tenant="shopmart", denied=True)
    docs = [json.loads(line) for line in out]
    assert list(docs[0]) == [
        "ts",
        "actor",
        "role",
        "tenant",
        "action",
        "count",
        "ip",
        "device",
        "site",
        "outcome",
    ]
    assert docs[1]["ticket"] == "T-100231" and "fields" not in docs[1]
    assert docs[2]["fields"] == ["full_name", "card_number"]
    assert (docs[3]["tenant"], docs[3]["outcome"]) == ("shopmart", "denied")
    assert "ticket" not in docs[3]
    for n, doc in enumerate(docs):
        e = event_from_dict(doc)
        assert doc["ts"] == iso(e.ts) and e.ts == T0 + 100 * (n + 1)


def test_a_session_refuses_a_value_it_could_not_write_unescaped() -> None:
    with pytest.raises(ValueError, match="plain identifier"):
        Session(Clock(1), [], 'emp-"1', "agent", "t", "ip", "dev", "site")


def test_the_clock_stamps_like_the_readers_iso() -> None:
    clock = Clock(30)
    for ts in (T0 - 3600, T0, T0 + 1, T0 + 29 * DAY_S + 86_399, T0 + 17 * DAY_S + 45_296):
        assert clock.stamp(ts) == iso(ts)


def _batch(clock: Clock, times: list[int]) -> Batch:
    b = Batch(clock)
    s = _session(b.events, clock)
    for t in times:
        s.login(t)
    return b


def test_days_spilling_into_each_other_come_out_in_time_order(tmp_path: Path) -> None:
    clock = Clock(3)
    out = Output(tmp_path, clock)
    # Day 0 runs past midnight; day 1 starts before its midnight (within SETTLE_S).
    out.write(_batch(clock, [T0 + 500, T0 + DAY_S + 4000, T0 + 100]), day_start(1) - SETTLE_S)
    out.write(_batch(clock, [T0 + DAY_S - 600, T0 + DAY_S + 10]), day_start(2) - SETTLE_S)
    out.write(_batch(clock, [T0 + 2 * DAY_S]), day_start(3) - SETTLE_S)
    out.finish()
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    times = [json.loads(line)["ts"] for line in lines]
    assert times == sorted(times) and len(times) == 6 == out.counts["events"]


def test_a_day_that_breaks_its_promise_stops_the_run(tmp_path: Path) -> None:
    clock = Clock(3)
    out = Output(tmp_path, clock)
    out.write(_batch(clock, [T0 + 500]), day_start(1) - SETTLE_S)
    with pytest.raises(RuntimeError, match="out of order"):
        out.write(_batch(clock, [T0 + 400]), day_start(2) - SETTLE_S)
    out.close()
