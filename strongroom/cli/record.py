"""strongroom record put|get|reveal|find|erase"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json, Tenant, given_or_stdin
from strongroom.cli.render import emit_json, pairs, table
from strongroom.errors import BadInput
from strongroom.instance import open_instance
from strongroom.vault import records
from strongroom.vault.intake import read_records
from strongroom.vault.records import MaskedRecord, PutResult

app = typer.Typer(help="Customer records of a tenant.", no_args_is_help=True)


def _show(rec: MaskedRecord) -> None:
    pairs(
        [("id", rec.subject), ("tenant", rec.tenant), ("key version", rec.key_version)]
        + [(k, v) for k, v in rec.fields.items()]
        + [(f"{k} token", v) for k, v in rec.tokens.items()]
    )


@app.command("put")
def put(
    file: Annotated[
        Path, typer.Argument(help=".jsonl or .csv, one record per line, 'id' required.")
    ],
    tenant: Tenant,
    as_json: Json = False,
) -> None:
    """Store records atomically: one bad line and nothing is stored (exit 2).

    Example: strongroom record put --tenant acme-bank customers.jsonl
    """

    def render(res: PutResult) -> None:
        if as_json:
            emit_json(res.to_dict())
        else:
            typer.echo(
                f"stored {res.created + res.updated} records in {res.tenant} "
                f"({res.created} new, {res.updated} updated)"
            )

    run(
        as_json,
        lambda: records.put(
            open_instance(), local_operator(), tenant, read_records(file), str(file)
        ),
        render,
    )


@app.command("get")
def get(
    subject: Annotated[str, typer.Argument(metavar="ID", help="The record's id.")],
    tenant: Tenant,
    as_json: Json = False,
) -> None:
    """Show a record, masked.  Example: strongroom record get --tenant acme-bank c-0001"""
    run(
        as_json,
        lambda: records.get(open_instance(), local_operator(), tenant, subject),
        lambda rec: emit_json(rec.to_dict()) if as_json else _show(rec),
    )


@app.command("reveal")
def reveal(
    subject: Annotated[str, typer.Argument(metavar="ID", help="The record's id.")],
    field: Annotated[str, typer.Argument(help="The one field to reveal.")],
    tenant: Tenant,
    purpose: Annotated[str, typer.Option("--purpose", help="Why you need it (recorded).")],
    as_json: Json = False,
) -> None:
    """Reveal one field in clear, for a stated purpose (recorded in the ledger).

    Example: strongroom record reveal -t acme-bank c-0001 card_number --purpose "refund T-1001"
    """
    run(
        as_json,
        lambda: records.reveal(open_instance(), local_operator(), tenant, subject, field, purpose),
        lambda value: (
            emit_json({"tenant": tenant, "id": subject, "field": field, "value": value})
            if as_json
            else typer.echo(value)
        ),
    )


@app.command("find")
def find(
    query: Annotated[
        str,
        typer.Argument(
            metavar="FIELD=VALUE",
            help="A searchable field and value; FIELD=- reads the value from standard input "
            "(kept out of the shell's history and of ps).",
        ),
    ],
    tenant: Tenant,
    as_json: Json = False,
) -> None:
    """Find records by a searchable field (blind index; the value is never stored in clear).

    Example: strongroom record find --tenant acme-bank email=pat@example.org
    (or email=- to type the value at a prompt that does not echo, or pipe it in)
    """

    def action() -> list[MaskedRecord]:
        field, sep, value = query.partition("=")
        if not sep or not field or not value:
            raise BadInput("expected FIELD=VALUE", field="query")
        value = given_or_stdin(value, f"the {field.strip()} to find", "query")
        return records.find(open_instance(), local_operator(), tenant, field.strip(), value)

    def render(found: list[MaskedRecord]) -> None:
        if as_json:
            emit_json([r.to_dict() for r in found])
            return
        names = sorted({k for r in found for k in r.fields})
        table([[r.subject] + [r.fields.get(n, "") for n in names] for r in found], ["id", *names])

    run(as_json, action, render)


@app.command("erase")
def erase(
    subject: Annotated[str, typer.Argument(metavar="ID", help="The record's id.")],
    tenant: Tenant,
    as_json: Json = False,
) -> None:
    """Erase a customer for good (GDPR art. 17): its data key is destroyed.

    Example: strongroom record erase --tenant acme-bank c-0001
    """
    run(
        as_json,
        lambda: records.erase(open_instance(), local_operator(), tenant, subject),
        lambda res: (
            emit_json(res)
            if as_json
            else typer.echo(f"erased {res['id']} from {res['tenant']}; its data key is destroyed")
        ),
    )
