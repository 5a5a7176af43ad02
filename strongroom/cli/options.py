"""Options every command shares, and how a customer value is given without leaving a trace."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from strongroom import documents
from strongroom.errors import BadInput

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
Tenant = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id, e.g. acme-bank.")]

FROM_STDIN = "-"


def given_or_stdin(value: str, what: str, field: str) -> str:
    """`value`, or for `-` the first line of standard input (on a terminal, a prompt that does
    not echo). A card number or a customer's e-mail address given as an argument stays in the
    shell's history and shows in every user's `ps` while the command runs. Raises BadInput
    (naming `field`) when standard input holds nothing."""
    if value != FROM_STDIN:
        return value
    if sys.stdin is None or sys.stdin.closed:
        raise BadInput(f"no standard input to read {what} from", field=field)
    if sys.stdin.isatty():
        text = str(typer.prompt(what, hide_input=True, err=True))
    else:  # bytes, decoded as every input file is: UTF-8, a BOM dropped, a bad byte named
        text = documents.decode(sys.stdin.buffer.readline(), "<stdin>").rstrip("\n")
    if not text.strip():
        raise BadInput(f"expected {what} on the first line of standard input", field=field)
    return text
