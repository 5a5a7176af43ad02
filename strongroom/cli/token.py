"""strongroom token tokenize|detokenize"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json, Tenant, given_or_stdin
from strongroom.cli.render import emit_json
from strongroom.instance import open_instance
from strongroom.vault import tokens

app = typer.Typer(
    help="Card tokens: same length and last four, never a valid card.", no_args_is_help=True
)


@app.command("tokenize")
def tokenize(
    value: Annotated[
        str,
        typer.Argument(
            help="The card number, or - to read it from standard input (kept out of the "
            "shell's history and of ps)."
        ),
    ],
    tenant: Tenant,
    cls: Annotated[str, typer.Option("--class", help="Data class; CREDIT_CARD.")] = "CREDIT_CARD",
    as_json: Json = False,
) -> None:
    """Swap a card number for its token.

    Example: strongroom token tokenize --tenant acme-bank --class CREDIT_CARD - < card.txt
    """
    run(
        as_json,
        lambda: tokens.tokenize(
            open_instance(),
            local_operator(),
            tenant,
            cls,
            given_or_stdin(value, "the card number", "value"),
        ),
        lambda tok: emit_json({"tenant": tenant, "token": tok}) if as_json else typer.echo(tok),
    )


@app.command("detokenize")
def detokenize(
    token: Annotated[str, typer.Argument(help="A token issued by this tenant.")],
    tenant: Tenant,
    purpose: Annotated[str | None, typer.Option("--purpose", help="Why (recorded).")] = None,
    as_json: Json = False,
) -> None:
    """Return the card number behind a token (recorded in the ledger).

    Example: strongroom token detokenize --tenant acme-bank 4929871365021111
    """
    run(
        as_json,
        lambda: tokens.detokenize(open_instance(), local_operator(), tenant, token, purpose),
        lambda card: (
            emit_json({"tenant": tenant, "token": token, "value": card})
            if as_json
            else typer.echo(card)
        ),
    )
