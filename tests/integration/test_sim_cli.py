"""`strongroom sim`: once as a real process (the command is registered and writes a run the
auditor reads), then in-process for the arguments it refuses (exit 2), which is faster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from strongroom.cli import sim
from strongroom.detect.alert import SCENARIOS
from strongroom.detect.context import load_context
from strongroom.detect.evaluate import read_labels
from strongroom.detect.events import Skipped, read_events

EXE = str(Path(sys.executable).with_name("strongroom"))

app = typer.Typer()
app.command("sim")(sim.sim)


@app.callback()
def _group() -> None:
    """Keeps `sim` a subcommand, as in the real CLI."""


def _sim(*args: str) -> Result:
    return CliRunner().invoke(app, ["sim", *args])


def test_sim_writes_a_run_the_auditor_reads_and_summarises_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run(
        [EXE, "sim", "--agents", "15", "--days", "4", "--seed", "5", "--out", str(out), "--json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["agents"] == 15 and summary["days"] == 4 and summary["seed"] == 5
    assert summary["labels"] == dict.fromkeys(SCENARIOS, 2)
    assert proc.stderr.startswith("sim: ") and f"{summary['events']:,} events" in proc.stderr
    skipped = Skipped()
    assert (
        sum(1 for _ in read_events(out / "events.jsonl", skipped, strict=True))
        == (summary["events"])
    )
    assert load_context(out, strict=True).skipped.count == 0
    assert len(read_labels(out / "labels.jsonl")) == 2 * len(SCENARIOS)


def test_sim_without_json_prints_only_the_summary_line(tmp_path: Path) -> None:
    res = _sim("--agents", "3", "--days", "2", "--out", str(tmp_path / "r"))
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "" and res.stderr.count("\n") == 1
    assert "labels" in res.stderr and "actors" in res.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--agents", "0"], "agents"), (["--days", "0"], "days"), (["--agents", "-5"], "agents")],
)
def test_sim_refuses_bad_numbers_with_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    res = _sim(*args, "--out", str(tmp_path / "r"))
    assert res.exit_code == 2 and says in res.stderr
    assert not (tmp_path / "r").exists()


def test_sim_refuses_a_folder_that_is_not_empty_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me")
    res = _sim("--agents", "3", "--days", "2", "--out", str(tmp_path), "--json")
    assert res.exit_code == 2
    assert json.loads(res.stderr)["error"] == "bad-input"
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]


def test_sim_refuses_a_file_as_its_folder_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert _sim("--out", str(tmp_path / "f")).exit_code == 2


def test_sim_help_shows_an_example() -> None:
    res = _sim("--help")
    assert res.exit_code == 0 and "Example: strongroom sim --agents" in res.stdout
