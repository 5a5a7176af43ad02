"""The context and grant commands, driven as a user or script would: a real process, files."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strongroom.access import Principal, PrincipalId
from strongroom.access.evidence import gather
from strongroom.access.facts import Facts
from strongroom.access.grants import approve_grant
from strongroom.access.principal import OPERATOR
from strongroom.instance import Instance, open_instance
from strongroom.sim.customers import SPEC_YAML
from strongroom.store.engine import transaction
from tests.integration.test_cli import EXE, Cli

NOW = datetime.now(UTC).replace(microsecond=0)
AGENT = Principal(PrincipalId("agent-17"), "agent", "acme-bank", "ldn-1")


def _t(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    for name in ("STRONGROOM_HOME", "STRONGROOM_DATABASE_URL", "STRONGROOM_KEYSTORE_URL"):
        monkeypatch.delenv(name, raising=False)
    c = Cli(tmp_path / "home")
    c("init")
    for tenant in ("acme-bank", "zeta-retail"):
        spec = tmp_path / f"{tenant}.yaml"
        spec.write_text(SPEC_YAML.format(tenant=tenant, name=tenant.title()))
        c("tenant", "create", str(spec))
    c("principal", "add", "agent-17", "--role", "agent", "--tenant", "acme-bank", "--site", "ldn-1")
    return c


@pytest.fixture
def inst(cli: Cli) -> Iterator[Instance]:
    opened = open_instance(cli.home)
    try:
        yield opened
    finally:
        opened.close()


def _facts(inst: Instance, subject: str = "c-1") -> Facts:
    with transaction(inst.data, read_only=True, tenant="acme-bank") as tx:
        return gather(tx, AGENT, "acme-bank", subject, None, (), NOW)


def _jsonl(path: Path, *docs: Any) -> Path:
    path.write_text("".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in docs))
    return path


def _ticket(ticket: str, subject: str = "c-1", **more: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "tenant": "acme-bank",
        "subject": subject,
        "assignee": "agent-17",
        "opened": _t(-1),
        "kind": "payment",
        **more,
    }


def test_tickets_are_registered_and_closed(cli: Cli, inst: Instance, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "tickets.jsonl", _ticket("T-1"), "", _ticket("T-2", "c-2"))
    out = cli.json("ticket", "register", "--tenant", "acme-bank", str(path))
    assert out == {"kind": "tickets", "stored": 2}
    ticket = _facts(inst).ticket
    assert ticket is not None and (ticket.id, ticket.open) == ("T-1", True)
    closing = _jsonl(tmp_path / "close.jsonl", _ticket("T-1", closed=_t(-0.5)))
    assert cli("ticket", "register", str(closing)).stdout.strip() == "stored 1 tickets"
    assert _facts(inst).ticket is None


def test_shifts_badges_and_training_feed_the_facts(
    cli: Cli, inst: Instance, tmp_path: Path
) -> None:
    shifts = _jsonl(
        tmp_path / "shifts.jsonl",
        {"actor": "agent-17", "site": "ldn-1", "start": _t(-1), "end": _t(7)},
    )
    badges = tmp_path / "badges.csv"
    badges.write_text(
        "ts,actor,site,zone,direction,reader\n"
        f"{_t(-1.2)},agent-17,ldn-1,lobby,in,r-4\n"
        f"{_t(-1.1)},agent-17,ldn-1,floor,in,r-7\n"
    )
    training = _jsonl(
        tmp_path / "training.jsonl",
        {"actor": "agent-17", "course": "data-protection", "completed": _t(-99), "expires": _t(99)},
    )
    assert cli.json("shift", "ingest", str(shifts)) == {"kind": "shifts", "stored": 1}
    assert cli.json("badge", "ingest", str(badges)) == {"kind": "badges", "stored": 2}
    assert cli("training", "ingest", str(training)).stdout.strip() == "stored 1 training"
    facts = _facts(inst)
    assert (facts.shift_site, facts.badged_in_site, facts.training_current) == (
        "ldn-1",
        "ldn-1",
        True,
    )


@pytest.mark.parametrize(
    ("docs", "args", "line", "field"),
    [
        ([_ticket("T-1"), "", _ticket("T-2", kind="refund")], [], 3, "kind"),
        ([_ticket("T-1"), {**_ticket("T-2"), "tenant": "zeta-retail"}], ["-t", "acme-bank"], 2,
         "tenant"),
        ([_ticket("T-1"), "[1, 2]"], [], 2, None),
        ([_ticket("T-1"), "{\"ticket\": "], [], 2, None),
        ([{**_ticket("T-1"), "tenant": "no-bank"}], [], 1, "tenant"),
        ([_ticket("T-1"), {k: v for k, v in _ticket("T-2").items() if k != "opened"}], [], 2,
         "opened"),
    ],
)  # fmt: skip
def test_a_bad_line_exits_2_naming_file_line_and_field(
    cli: Cli,
    inst: Instance,
    tmp_path: Path,
    docs: list[Any],
    args: list[str],
    line: int,
    field: str | None,
) -> None:
    path = _jsonl(tmp_path / "bad.jsonl", *docs)
    proc = cli("ticket", "register", *args, str(path), "--json", code=2)
    err = json.loads(proc.stderr)
    assert (err["error"], err["file"], err["line"], err["field"]) == (
        "bad-input",
        str(path),
        line,
        field,
    )
    assert proc.stdout == ""
    human = cli("ticket", "register", *args, str(path), code=2).stderr
    assert f"{path}:{line}" in human and (field is None or field in human)
    assert _facts(inst).ticket is None


def test_a_bad_shift_in_csv_names_its_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "shifts.csv"
    path.write_text(
        f"actor,site,start,end\nagent-17,ldn-1,{_t(0)},{_t(8)}\nagent-17,ldn-1,{_t(0)},{_t(17)}\n"
    )
    err = json.loads(cli("shift", "ingest", str(path), "--json", code=2).stderr)
    assert (err["line"], err["field"]) == (3, "end")


def _grant_args(hours: str = "2", kind: str = "break_glass") -> list[str]:
    return [
        "grant",
        "request",
        "--kind",
        kind,
        "--grantee",
        "agent-17",
        "--tenant",
        "acme-bank",
        "--actions",
        "record.get, record.reveal",
        "--fields",
        "card_number",
        "--reason",
        "chargeback dispute on T-1001",
        "--hours",
        hours,
    ]


def test_a_grant_needs_a_second_person(cli: Cli, inst: Instance) -> None:
    g: Any = cli.json(*_grant_args())
    assert (g["status"], g["kind"], g["actions"], g["fields"]) == (
        "pending",
        "break_glass",
        ["record.get", "record.reveal"],
        ["card_number"],
    )
    proc = cli("grant", "approve", g["id"], "--json", code=1)
    err = json.loads(proc.stderr)
    assert (err["error"], err["condition"]) == ("denied", "second-person")
    assert "second person" in cli("grant", "approve", g["id"], code=1).stderr
    second = Principal(PrincipalId("operator:second"), OPERATOR)
    approve_grant(inst, second, g["id"])
    listed: Any = cli.json("grant", "list", "--tenant", "acme-bank")
    assert [(x["id"], x["status"], x["approved_by"]) for x in listed] == [
        (g["id"], "active", "operator:second")
    ]
    assert cli.json("grant", "list", "--tenant", "zeta-retail") == []
    assert g["id"] in cli("grant", "list").stdout
    revoked: Any = cli.json("grant", "revoke", g["id"])
    assert revoked["status"] == "revoked"
    assert "revoked" in cli("grant", "list").stdout
    cli("grant", "revoke", g["id"], code=1)
    cli("grant", "approve", "g-000000000000", code=2)


@pytest.mark.parametrize(
    ("hours", "kind", "field"),
    [("4.5", "break_glass", "hours"), ("73", "vendor", "hours"), ("1", "forever", "kind")],
)
def test_a_bad_grant_request_exits_2_naming_the_field(
    cli: Cli, hours: str, kind: str, field: str
) -> None:
    err = json.loads(cli(*_grant_args(hours, kind), "--json", code=2).stderr)
    assert err["field"] == field
    assert cli.json("grant", "list") == []


def test_every_context_and_grant_command_has_help_with_an_example() -> None:
    for cmd in (
        ["ticket", "register"],
        ["shift", "ingest"],
        ["badge", "ingest"],
        ["training", "ingest"],
        ["grant", "request"],
        ["grant", "approve"],
        ["grant", "revoke"],
        ["grant", "list"],
    ):
        proc = subprocess.run([EXE, *cmd, "--help"], check=False, capture_output=True, text=True)
        assert proc.returncode == 0 and "Example" in proc.stdout, (cmd, proc.stderr)
