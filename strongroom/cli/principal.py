"""strongroom principal add|list|disable|apikey"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import identity, local_operator
from strongroom.access.identity import Enrolment, PrincipalInfo
from strongroom.access.principal import ROLES
from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, pairs, table
from strongroom.instance import open_instance

app = typer.Typer(
    help="Principals: the people and integrations that may sign in.", no_args_is_help=True
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="The principal's name, e.g. pat.lee.")]


def _status(info: PrincipalInfo) -> str:
    return "disabled" if info.disabled else "locked" if info.locked else "active"


@app.command("add")
def add(
    name: Name,
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    tenant: Annotated[
        str | None,
        typer.Option(
            "--tenant",
            "-t",
            help="Tenant id; agents and auditors need one. A service account without one is "
            "a workforce integration (badges, shifts, training only).",
        ),
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="The site an agent works at, e.g. lon-1.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Enrol a principal. A person gets a password and a TOTP secret, shown this once only.

    Example: strongroom principal add pat.lee --role agent --tenant acme-bank --site lon-1
    """

    def render(e: Enrolment) -> None:
        p = e.principal
        doc = {"principal": p.id, "role": p.role, "tenant": p.tenant, "site": p.site}
        if as_json:
            emit_json(doc | {"password": e.password, "totp_uri": e.totp_uri})
            return
        pairs([(k, v) for k, v in doc.items() if v is not None])
        if e.password is None:
            typer.echo("\nA service account has no password: issue it an API key with")
            typer.echo(f"  strongroom principal apikey {p.id}")
            return
        typer.echo(
            f"\nShown this once: give both to {p.id} over a trusted channel. Strongroom keeps"
            "\nonly a hash of the password and a sealed copy of the TOTP secret."
        )
        pairs([("password", e.password), ("TOTP provisioning URI", e.totp_uri)])

    run(
        as_json,
        lambda: identity.add_principal(open_instance(), local_operator(), name, role, tenant, site),
        render,
    )


@app.command("list")
def list_(as_json: Json = False) -> None:
    """List principals, with their state (active, locked or disabled).

    Example: strongroom principal list --json
    """

    def render(found: list[PrincipalInfo]) -> None:
        if as_json:
            emit_json([i.to_dict() for i in found])
            return
        table(
            [(i.id, i.role, i.tenant, i.site, _status(i), i.created_at) for i in found],
            ["principal", "role", "tenant", "site", "state", "created"],
        )

    run(as_json, lambda: identity.list_principals(open_instance(), local_operator()), render)


@app.command("disable")
def disable(name: Name, as_json: Json = False) -> None:
    """Disable a principal: its sessions end and its API keys stop working at once.

    Example: strongroom principal disable pat.lee
    """
    run(
        as_json,
        lambda: identity.disable_principal(open_instance(), local_operator(), name),
        lambda info: (
            emit_json(info.to_dict())
            if as_json
            else typer.echo(f"disabled {info.id}; its sessions and API keys no longer work")
        ),
    )


@app.command("apikey")
def apikey(name: Name, as_json: Json = False) -> None:
    """Issue an API key to a service account; it is shown this once only.

    Example: strongroom principal apikey crm-sync
    """
    run(
        as_json,
        lambda: identity.issue_api_key(open_instance(), local_operator(), name),
        lambda key: (
            emit_json({"principal": name, "api_key": key})
            if as_json
            else pairs([("principal", name), ("API key (shown once)", key)])
        ),
    )
