"""strongroom principal add|list|reset|disable|apikey|keys|revoke-key"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import identity, local_operator
from strongroom.access.identity import Enrolment, PrincipalInfo
from strongroom.access.principal import ROLES
from strongroom.access.sessions import ApiKeyInfo, parse
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

    run(
        as_json,
        lambda: identity.add_principal(open_instance(), local_operator(), name, role, tenant, site),
        lambda e: _show_enrolment(e, as_json),
    )


def _show_enrolment(e: Enrolment, as_json: bool) -> None:
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
        "\nonly a hash of the password and a sealed copy of the TOTP secret. The password"
        "\nmust be replaced at the first sign-in (POST /v1/sessions with new_password)."
    )
    pairs([("password", e.password), ("TOTP provisioning URI", e.totp_uri)])


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


@app.command("reset")
def reset(name: Name, as_json: Json = False) -> None:
    """New password and TOTP secret for a person who lost theirs, shown this once only.

    Every session of theirs ends and a lockout is lifted; the name stays, and with it their
    shifts, training, grants and history. Service accounts rotate API keys instead.

    Example: strongroom principal reset pat.lee
    """
    run(
        as_json,
        lambda: identity.reset_principal(open_instance(), local_operator(), name),
        lambda e: _show_enrolment(e, as_json),
    )


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

    def render(key: str) -> None:
        key_id = parse(key).id
        if as_json:
            emit_json({"principal": name, "key_id": key_id, "api_key": key})
            return
        pairs([("principal", name), ("key id", key_id), ("API key (shown once)", key)])
        typer.echo(
            f"\nTo rotate: put the new key in use, then revoke the old one with"
            f"\n  strongroom principal revoke-key {name} OLD_KEY_ID"
        )

    run(as_json, lambda: identity.issue_api_key(open_instance(), local_operator(), name), render)


@app.command("keys")
def keys(name: Name, as_json: Json = False) -> None:
    """List a service account's API keys by id (the hex after srk_), never the keys.

    Example: strongroom principal keys crm-sync
    """

    def render(found: list[ApiKeyInfo]) -> None:
        if as_json:
            emit_json([k.to_dict() for k in found])
            return
        table(
            [(k.id, k.created_at, k.revoked_at or "active") for k in found],
            ["key id", "issued", "revoked"],
        )

    run(as_json, lambda: identity.list_api_keys(open_instance(), local_operator(), name), render)


@app.command("revoke-key")
def revoke_key(
    name: Name,
    key_id: Annotated[
        str,
        typer.Argument(metavar="KEY_ID", help="The key's id (the hex after srk_), or the key."),
    ],
    as_json: Json = False,
) -> None:
    """Revoke one API key at once (leaked, or replaced); the account's other keys still work.

    Example: strongroom principal revoke-key crm-sync 3f9a0c1e5b7d2a4c6e8f0a1b
    """
    run(
        as_json,
        lambda: identity.revoke_api_key(open_instance(), local_operator(), name, key_id),
        lambda k: (
            emit_json({"principal": name, **k.to_dict()})
            if as_json
            else typer.echo(f"revoked key {k.id} of {name} (at {k.revoked_at})")
        ),
    )
