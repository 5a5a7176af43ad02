"""The detect commands, driven as a script would: files in, stdout and stderr read apart.

The plumbing is what is under test (stdout holds only JSON, malformed lines are reported with
file and line, `--strict` exits 2), so most tests run the command in-process with a
test-local detector in place of the shipped set: the outcome cannot depend on how the real
detectors judge. One test runs the installed `strongroom` to check the group is registered and
that exit codes are mapped in the real process.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from strongroom.cli import detect
from strongroom.detect import auditor
from strongroom.detect.alert import Alert
from strongroom.detect.context import Context
from strongroom.detect.events import Event, iso, parse_time
from tests.integration.test_cli import EXE

T0 = parse_time("2026-10-05T09:00:00Z")


class EveryExport:
    """One alert per export, naming pre_departure_export."""

    def observe(self, event: Event, ctx: Context) -> list[Alert]:
        if event.action != "record.export":
            return []
        return [
            Alert(
                event.actor,
                event.ts,
                event.ts,
                "pre_departure_export",
                0.95,
                "an export",
                (event.ref,),
                event.tenant,
            )
        ]

    def finish(self, ctx: Context) -> list[Alert]:
        return []


@pytest.fixture(autouse=True)
def test_detectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auditor, "default_detectors", lambda: [EveryExport()])


def _event(actor: str, minutes: float, action: str = "record.view") -> dict[str, Any]:
    return {
        "ts": iso(T0 + minutes * 60),
        "actor": actor,
        "role": "agent",
        "tenant": "acme-bank",
        "action": action,
        "count": 1,
        "ip": "10.10.0.52",
        "device": "ws-mnl-1-0042",
        "site": "mnl-1",
        "outcome": "allowed",
        "subject": "c-0000001",
    }


def _jsonl(path: Path, *docs: object) -> Path:
    path.write_text("".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in docs))
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """An events file with two exports by two actors, and a context folder."""
    events = _jsonl(
        tmp_path / "events.jsonl",
        _event("a-1", 0),
        _event("a-1", 5, "record.export"),
        _event("a-2", 6),
        _event("a-2", 7, "record.export"),
    )
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    _jsonl(
        ctx / "assignments.jsonl",
        {"actor": "a-1", "role": "agent", "tenant": "acme-bank", "site": "mnl-1"},
    )
    return events, ctx


def _detect(*args: str) -> Result:
    return CliRunner().invoke(detect.app, list(args))


def test_run_json_prints_only_alert_lines_on_stdout(files: tuple[Path, Path]) -> None:
    events, ctx = files
    res = _detect("run", "--events", str(events), "--context", str(ctx), "--json")
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(d["actor"], d["scenario"]) for d in docs] == [
        ("a-1", "pre_departure_export"),
        ("a-2", "pre_departure_export"),
    ]
    assert docs[0]["evidence"] == ["events.jsonl:2"]
    assert "read 4 events; 2 alerts" in res.stderr
    assert "skipped" not in res.stderr


def test_run_without_json_prints_a_table_of_alerts(files: tuple[Path, Path]) -> None:
    events, ctx = files
    res = _detect("run", "--events", str(events), "--context", str(ctx))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["time", "severity", "scenario", "actor", "at", "explanation"]
    assert "critical" in lines[2] and "events.jsonl:2" in lines[2] and "an export" in lines[2]
    assert len(lines) == 4


def test_run_with_nothing_to_report_says_so(tmp_path: Path, files: tuple[Path, Path]) -> None:
    _, ctx = files
    events = _jsonl(tmp_path / "quiet.jsonl", _event("a-1", 0))
    res = _detect("run", "--events", str(events), "--context", str(ctx))
    assert res.stdout == "no alerts\n"


def test_malformed_event_lines_are_skipped_and_reported_with_file_and_line(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    _, ctx = files
    events = _jsonl(
        tmp_path / "events.jsonl",
        _event("a-1", 0),
        {**_event("a-1", 1), "ts": "yesterday"},
        "{not json",
        _event("a-1", 5, "record.export"),
        *[{**_event("a-1", 6), "action": "record.burn"}] * 5,
        {**_event("a-1", 7), "action": ["login"]},  # a TypeError and a traceback before
        {**_event("a-1", 7), "outcome": {"x": 1}},
        '{"a": ' * 50_000 + "1" + "}" * 50_000,  # a RecursionError before
    )
    res = _detect("run", "--events", str(events), "--context", str(ctx), "--json")
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["actor"] for line in res.stdout.splitlines()] == ["a-1"]
    assert "read 2 events; 1 alerts" in res.stderr
    assert "skipped 10 malformed lines in the events:" in res.stderr
    assert "events.jsonl:2 (ts): ts is not an RFC 3339 time" in res.stderr
    assert "events.jsonl:3: not valid JSON" in res.stderr
    assert "events.jsonl:5 (action)" in res.stderr
    assert "... and 5 more" in res.stderr


def test_strict_stops_at_the_first_malformed_event_line_with_exit_2(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    _, ctx = files
    events = _jsonl(
        tmp_path / "events.jsonl",
        _event("a-1", 0),
        {**_event("a-1", 1), "count": -3},
        {**_event("a-1", 2), "ts": "yesterday"},
    )
    res = _detect("run", "--events", str(events), "--context", str(ctx), "--strict")
    assert res.exit_code == 2
    assert "events.jsonl:2, field 'count'" in res.stderr
    assert ":3" not in res.stderr


@pytest.mark.parametrize("as_json", [True, False])
def test_strict_prints_no_alert_of_a_run_a_later_line_ends(
    tmp_path: Path, files: tuple[Path, Path], as_json: bool
) -> None:
    _, ctx = files
    events = _jsonl(
        tmp_path / "events.jsonl",
        _event("a-1", 0, "record.export"),
        {**_event("a-1", 1), "count": -3},
    )
    args = ("run", "--events", str(events), "--context", str(ctx), "--strict")
    res = _detect(*args, *(("--json",) if as_json else ()))
    assert res.exit_code == 2
    assert res.stdout == ""
    # The same alert is printed once the stream is whole.
    _jsonl(events, _event("a-1", 0, "record.export"), _event("a-1", 1))
    whole = _detect(*args, "--json")
    assert whole.exit_code == 0, whole.output
    assert [json.loads(line)["actor"] for line in whole.stdout.splitlines()] == ["a-1"]


def test_malformed_context_lines_are_skipped_and_reported(
    files: tuple[Path, Path],
) -> None:
    events, ctx = files
    _jsonl(
        ctx / "shifts.jsonl",
        {"actor": "a-1", "site": "mnl-1", "start": iso(T0), "end": iso(T0 + 8 * 3600)},
        {"actor": "a-1", "site": "mnl-1", "start": iso(T0), "end": iso(T0 - 1)},
    )
    res = _detect("run", "--events", str(events), "--context", str(ctx), "--json")
    assert res.exit_code == 0, res.output
    assert all(json.loads(line) for line in res.stdout.splitlines())
    assert "skipped 1 malformed line in the context:" in res.stderr
    assert "shifts.jsonl:2 (end)" in res.stderr


def test_strict_context_error_names_file_and_line_with_exit_2_in_json(
    files: tuple[Path, Path],
) -> None:
    events, ctx = files
    _jsonl(
        ctx / "badges.jsonl", {"ts": iso(T0), "actor": "a-1", "site": "mnl-1", "direction": "in"}
    )
    res = _detect("run", "--events", str(events), "--context", str(ctx), "--strict", "--json")
    assert res.exit_code == 2
    assert res.stdout == ""
    err = json.loads(res.stderr)
    assert (err["error"], err["file"], err["line"]) == ("bad-input", "badges.jsonl", 1)
    assert err["field"] == "zone"


def test_a_line_that_is_not_json_or_not_utf8_is_named_with_its_column(
    files: tuple[Path, Path],
) -> None:
    events, ctx = files
    good = events.read_bytes().splitlines(keepends=True)
    events.write_bytes(good[0] + b'{"actor": "Jos\xe9"}\n' + b"".join(good[1:]))
    shifts = ctx / "shifts.jsonl"
    shifts.write_bytes(b'{"actor": "a-1", "site": }\n')
    res = _detect("run", "--events", str(events), "--context", str(ctx), "--json")
    assert res.exit_code == 0, res.output
    assert "events.jsonl:2: not UTF-8 text: byte 0xe9 at column 15" in res.stderr
    # Before, a context line that is not JSON was "a line must be a JSON object".
    assert "shifts.jsonl:1: not valid JSON (Expecting value at column 26)" in res.stderr
    args = ("run", "--events", str(events), "--context", str(ctx), "--strict", "--json")
    err = json.loads(_detect(*args).stderr)
    assert (err["file"], err["line"]) == ("shifts.jsonl", 1)
    assert "not valid JSON (Expecting value at column 26)" in err["message"], err
    shifts.unlink()
    err = json.loads(_detect(*args).stderr)
    assert (err["file"], err["line"]) == ("events.jsonl", 2)
    assert "byte 0xe9 at column 15" in err["message"], err


def test_eval_json_prints_one_report(tmp_path: Path, files: tuple[Path, Path]) -> None:
    events, ctx = files
    labels = _jsonl(
        tmp_path / "labels.jsonl",
        {
            "scenario": "pre_departure_export",
            "actor": "a-1",
            "start": iso(T0),
            "end": iso(T0 + 600),
        },
        {"scenario": "slow_drip", "actor": "a-3", "start": iso(T0), "end": iso(T0 + 600)},
    )
    args = ["eval", "--events", str(events), "--context", str(ctx), "--labels", str(labels)]
    res = _detect(*args, "--json")
    assert res.exit_code == 0, res.output
    (line,) = res.stdout.splitlines()
    report = json.loads(line)
    assert report["events"] == 4 and report["actor_days"] == 2 and report["alerts"] == 2
    assert report["overall"]["recall"] == 0.5
    export = report["scenarios"]["pre_departure_export"]
    assert (export["caught"], export["named"], export["median_ttd_s"]) == (1, 1, 300.0)
    assert export["false_alerts"] == 1  # a-2's export
    assert report["scenarios"]["slow_drip"]["recall"] == 0.0
    assert "read 4 events; 2 alerts" in res.stderr

    table = _detect(*args).stdout
    assert "pre_departure_export" in table and "all" in table


def test_eval_with_an_unknown_scenario_in_labels_exits_2_naming_line_and_field(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    events, ctx = files
    good = {"scenario": "slow_drip", "actor": "a-1", "start": iso(T0), "end": iso(T0)}
    labels = _jsonl(tmp_path / "labels.jsonl", good, {**good, "scenario": "coffee_break"})
    res = _detect("eval", "--events", str(events), "--context", str(ctx), "--labels", str(labels))
    assert res.exit_code == 2
    assert "labels.jsonl:2, field 'scenario'" in res.stderr


def test_detect_is_registered_and_maps_bad_input_to_exit_2(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    events, _ = files
    helped = subprocess.run(
        [EXE, "detect", "run", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert helped.returncode == 0 and "Example: strongroom detect run" in helped.stdout
    # Fails while loading the context, before any detector is built.
    res = subprocess.run(
        [EXE, "detect", "run", "--events", str(events), "--context", str(tmp_path / "no")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 2
    assert res.stdout == ""
    assert "the context must be a folder" in res.stderr
