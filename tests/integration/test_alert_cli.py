"""`strongroom alert list|show|ack` and the watch command, as a user or a script drives them: a
real process on a real instance whose ledger holds days of ordinary work and then an agent's
run of refused look-ups."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strongroom.audit import Entry, RequestContext, append
from strongroom.instance import open_instance
from strongroom.store.engine import transaction
from tests.integration.test_cli import Cli, cli  # noqa: F401  (the fixture)
from tests.integration.test_live_detect import backfill

# `strongroom detect watch`, through the real entry point.
WATCH = "from strongroom.cli.main import main; main()"


def watch(c: Cli, *args: str, code: int = 0) -> Any:
    proc = subprocess.run(
        [sys.executable, "-c", WATCH, "detect", "watch", *args],
        check=False,
        env=c.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
    return proc


def insider_run(home: Path, count: int = 30) -> None:
    """Ticketless look-ups an agent's policy refused, as the ledger records them."""
    now = datetime.now(UTC)
    entries = [
        Entry(
            now + timedelta(seconds=n),
            "agent-x",
            "agent",
            "acme-bank",
            "record.get",
            "denied",
            "no ticket",
            (f"c-{n:06d}",),
            policies=("forbid-no-ticket-for-subject",),
            context=RequestContext(ip="10.0.9.9", device="ws-99", site="lis-1"),
        )
        for n in range(count)
    ]
    inst = open_instance(home)
    try:
        backfill(inst)
        with transaction(inst.data) as tx:
            append(tx, entries)
    finally:
        inst.close()


@pytest.fixture
def watched(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> tuple[Cli, dict[str, Any]]:  # noqa: F811
    monkeypatch.setenv("STRONGROOM_HOME", str(cli.home))
    insider_run(cli.home)
    out = watch(cli, "--once", "--json").stdout
    raised = [json.loads(line) for line in out.splitlines()]
    [bulk] = [a for a in raised if a["scenario"] == "bulk_lookup" and a["actor"] == "agent-x"]
    return cli, bulk


def test_watch_once_prints_each_new_alert_as_one_json_line_then_nothing(
    watched: tuple[Cli, dict[str, Any]],
) -> None:
    c, bulk = watched
    assert bulk["status"] == "open" and bulk["tenant"] == "acme-bank"
    assert bulk["evidence"] and all(e.startswith("ledger:") for e in bulk["evidence"])
    again = watch(c, "--once")
    assert again.stdout == "" and "0 new alerts" in again.stderr


def test_list_show_and_ack_an_alert(watched: tuple[Cli, dict[str, Any]]) -> None:
    c, bulk = watched
    page = c.json("alert", "list", "--status", "open")
    assert isinstance(page, dict) and page["more"] is False
    assert bulk["id"] in [a["id"] for a in page["alerts"]]
    assert c.json("alert", "show", bulk["id"]) == bulk
    table = c("alert", "list", "--scenario", "bulk_lookup").stdout
    assert bulk["id"] in table and "agent-x" in table
    done = c.json("alert", "ack", bulk["id"], "--note", "agent-x interviewed")
    assert isinstance(done, dict)
    assert done["status"] == "acknowledged" and done["acked_by"].startswith("operator:")
    assert done["ack_note"] == "agent-x interviewed"
    assert "already acknowledged" in c("alert", "ack", bulk["id"], "--note", "x", code=1).stderr
    acked = c.json("alert", "list", "--status", "acknowledged")
    assert isinstance(acked, dict) and bulk["id"] in [a["id"] for a in acked["alerts"]]


BAD = [
    (("alert", "list", "--status", "closed"), 2, "status"),
    (("alert", "list", "--scenario", "robbery"), 2, "scenario"),
    (("alert", "list", "--since", "yesterday"), 2, "ISO 8601"),
    (("alert", "list", "--before", str(2**60)), 2, "before"),
    (("alert", "list", "--actor", "two words"), 2, "actor"),
    (("alert", "list", "--tenant", "Acme Bank"), 2, "tenant"),
    (("alert", "list", "--since", "2026-11-24T09:00:00"), 2, "offset"),
    (("alert", "show", "a-000000000000"), 2, "no alert"),
    (("alert", "ack", "a-000000000000", "--note", "x"), 2, "no alert"),
    (("alert", "ack", "a-000000000000", "--note", "  "), 2, "note"),
]


def test_bad_requests_say_what_to_fix(cli: Cli) -> None:  # noqa: F811
    for args, code, says in BAD:
        assert says in cli(*args, code=code).stderr, args
