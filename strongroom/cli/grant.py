"""strongroom grant request|approve|revoke|list"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.access.grants import (
    GrantInfo,
    approve_grant,
    list_grants,
    parse_kind,
    request_grant,
    revoke_grant,
)
from strongroom.cli.main import run
from strongroom.cli.options import Json, Tenant
from strongroom.cli.render import emit_json, pairs, table
from strongroom.instance import open_instance

app = typer.Typer(
    help="Break-glass and vendor grants: narrow, time-boxed, approved by a second person.",
    no_args_is_help=True,
)

GrantId = Annotated[str, typer.Argument(metavar="ID", help="The grant's id, e.g. g-3f9a1c2b7d4e.")]


def _show(g: GrantInfo) -> None:
    pairs(
        [
            ("id", g.id),
            ("kind", g.kind),
            ("status", g.status),
            ("grantee", g.grantee),
            ("tenant", g.tenant),
            ("actions", ", ".join(g.actions)),
            ("fields", ", ".join(g.fields) or "-"),
            ("reason", g.reason),
            ("requested by", g.requested_by),
            ("approved by", g.approved_by or "-"),
            ("starts", g.starts_at),
            ("ends", g.ends_at),
        ]
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@app.command("request")
def request(
    kind: Annotated[str, typer.Option("--kind", help="break_glass or vendor.")],
    grantee: Annotated[str, typer.Option("--grantee", help="The principal the grant is for.")],
    tenant: Tenant,
    actions: Annotated[
        str, typer.Option("--actions", help="Comma-separated, e.g. record.get,record.reveal.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded; 10+ characters).")],
    hours: Annotated[
        float, typer.Option("--hours", help="How long: at most 4 (break_glass), 72 (vendor).")
    ],
    fields: Annotated[
        str,
        typer.Option(
            "--fields",
            help="Comma-separated fields it may reveal or search; CREDIT_CARD for token actions.",
        ),
    ] = "",
    as_json: Json = False,
) -> None:
    """Request a grant; it is pending until a second person approves it.

    Example: strongroom grant request --kind break_glass --grantee agent-17 -t acme-bank
    --actions record.get,record.reveal --fields card_number --reason "chargeback T-1001"
    --hours 2
    """
    run(
        as_json,
        lambda: request_grant(
            open_instance(),
            local_operator(),
            parse_kind(kind),
            grantee,
            tenant,
            _split(actions),
            _split(fields),
            reason,
            hours,
        ),
        lambda g: emit_json(g.to_dict()) if as_json else _show(g),
    )


@app.command("approve")
def approve(grant_id: GrantId, as_json: Json = False) -> None:
    """Approve a pending grant. The approver must be neither its requester nor its grantee.

    Example: strongroom grant approve g-3f9a1c2b7d4e
    """
    run(
        as_json,
        lambda: approve_grant(open_instance(), local_operator(), grant_id),
        lambda g: emit_json(g.to_dict()) if as_json else _show(g),
    )


@app.command("revoke")
def revoke(grant_id: GrantId, as_json: Json = False) -> None:
    """End a grant now.  Example: strongroom grant revoke g-3f9a1c2b7d4e"""
    run(
        as_json,
        lambda: revoke_grant(open_instance(), local_operator(), grant_id),
        lambda g: emit_json(g.to_dict()) if as_json else _show(g),
    )


@app.command("list")
def list_(
    tenant: Annotated[
        str | None, typer.Option("--tenant", "-t", help="Only this tenant's grants.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Every grant with its status now.  Example: strongroom grant list --tenant acme-bank"""

    def render(found: list[GrantInfo]) -> None:
        if as_json:
            emit_json([g.to_dict() for g in found])
            return
        table(
            [[g.id, g.kind, g.status, g.grantee, g.tenant, g.ends_at] for g in found],
            ["id", "kind", "status", "grantee", "tenant", "ends"],
        )

    run(as_json, lambda: list_grants(open_instance(), local_operator(), tenant), render)
