"""strongroom ticket register | shift ingest | badge ingest | training ingest

The context the policy decides on, from the systems that own it (CRM, workforce management,
badge readers, LMS), as JSON lines or CSV files: one document per line, stored atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.access.context import IngestResult, Kind, ingest, read_docs
from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json
from strongroom.instance import open_instance

ticket_app = typer.Typer(help="Tickets as the CRM registers them.", no_args_is_help=True)
shift_app = typer.Typer(help="Shifts from workforce management.", no_args_is_help=True)
badge_app = typer.Typer(help="Badge events from the door readers.", no_args_is_help=True)
training_app = typer.Typer(help="Training records from the LMS.", no_args_is_help=True)

File = Annotated[
    Path, typer.Argument(metavar="FILE", help=".jsonl or .csv, one document per line.")
]


def _ingest(kind: Kind, file: Path, as_json: bool, tenant: str | None = None) -> None:
    def action() -> IngestResult:
        found = read_docs(file)
        return ingest(
            open_instance(),
            local_operator(),
            kind,
            [doc for _, doc in found],
            tenant=tenant,
            file=str(file),
            lines=[n for n, _ in found],
        )

    def render(res: IngestResult) -> None:
        if as_json:
            emit_json(res.to_dict())
        else:
            typer.echo(f"stored {res.stored} {res.kind}")

    run(as_json, action, render)


@ticket_app.command("register")
def register(
    file: File,
    tenant: Annotated[
        str | None,
        typer.Option(
            "--tenant", "-t", help="Refuse any ticket of another tenant (the file's otherwise)."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Register or update tickets of one tenant: ticket, tenant, subject, assignee, opened,
    kind (payment, address, contact, identity, general), closed (optional). Sending a ticket
    again with `closed` closes it. One bad line and nothing is stored (exit 2).

    Example: strongroom ticket register --tenant acme-bank tickets.jsonl

    A line: {"ticket": "T-1001", "tenant": "acme-bank", "subject": "c-0001",
    "assignee": "agent-17", "opened": "2026-11-24T09:00:00Z", "kind": "payment"}
    """
    _ingest("tickets", file, as_json, tenant)


@shift_app.command("ingest")
def shifts(file: File, as_json: Json = False) -> None:
    """Store shifts: actor, site, start, end (after start, at most 16 hours later).

    Example: strongroom shift ingest shifts.jsonl

    A line: {"actor": "agent-17", "site": "ldn-1", "start": "2026-11-24T08:00:00Z",
    "end": "2026-11-24T16:00:00Z"}
    """
    _ingest("shifts", file, as_json)


@badge_app.command("ingest")
def badges(file: File, as_json: Json = False) -> None:
    """Store badge events: ts, actor, site, zone ("floor" is the contact-centre floor),
    direction (in or out).

    Example: strongroom badge ingest badges.csv

    The header: ts,actor,site,zone,direction
    A row: 2026-11-24T07:58:00+00:00,agent-17,ldn-1,floor,in
    """
    _ingest("badges", file, as_json)


@training_app.command("ingest")
def training(file: File, as_json: Json = False) -> None:
    """Store training records: actor, course, completed, expires (after completed).

    Example: strongroom training ingest training.jsonl

    A line: {"actor": "agent-17", "course": "data-protection",
    "completed": "2026-01-10T12:00:00Z", "expires": "2027-01-10T12:00:00Z"}
    """
    _ingest("training", file, as_json)
