"""The `strongroom` command. Commands are thin: parse, call one service, render.

Exit codes, decided here and nowhere else: 0 success, 2 bad input, 1 any other failure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from strongroom.errors import BadInput, StrongroomError

T = TypeVar("T")

app = typer.Typer(
    name="strongroom",
    help="Keeps a BPO's customer data encrypted per client and records every use of it.\n\n"
    "Example: strongroom init && strongroom tenant create acme.yaml",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def run(as_json: bool, action: Callable[[], T], render: Callable[[T], None]) -> None:
    """Call a service and render its result, mapping errors to exit codes and messages."""
    try:
        result = action()
    except StrongroomError as exc:
        code = EXIT_BAD_INPUT if isinstance(exc, BadInput) else EXIT_FAILURE
        if as_json:
            sys.stderr.write(json.dumps(exc.to_dict()) + "\n")
        else:
            sys.stderr.write(f"error: {exc.message}\n")
        raise typer.Exit(code) from None
    render(result)


def _register() -> None:
    from strongroom.cli import (
        alert,
        audit,
        context,
        detect,
        grant,
        instance,
        keys,
        policy,
        principal,
        record,
        serve,
        sim,
        tenant,
        token,
    )

    app.command("init")(instance.init)
    app.command("demo")(instance.demo)
    app.command("serve")(serve.serve)
    app.command("sim")(sim.sim)
    app.add_typer(tenant.app, name="tenant")
    app.add_typer(record.app, name="record")
    app.add_typer(token.app, name="token")
    app.add_typer(keys.app, name="keys")
    app.add_typer(audit.app, name="audit")
    app.add_typer(principal.app, name="principal")
    app.add_typer(grant.app, name="grant")
    app.add_typer(alert.app, name="alert")
    app.add_typer(policy.app, name="policy")
    app.add_typer(context.ticket_app, name="ticket")
    app.add_typer(context.shift_app, name="shift")
    app.add_typer(context.badge_app, name="badge")
    app.add_typer(context.training_app, name="training")
    app.add_typer(detect.app, name="detect")


def main(argv: list[str] | None = None) -> Any:
    _register()
    try:
        return app(args=argv, standalone_mode=True)
    except SystemExit as exc:
        # Click reports usage errors with exit 2 already; keep every other code as is.
        raise exc
