"""Options every command shares."""

from __future__ import annotations

from typing import Annotated

import typer

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
Tenant = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id, e.g. acme-bank.")]
