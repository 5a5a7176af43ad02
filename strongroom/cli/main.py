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
    import importlib

    from strongroom.cli import audit, instance, keys, record, tenant, token

    app.command("init")(instance.init)
    app.command("demo")(instance.demo)
    app.add_typer(tenant.app, name="tenant")
    app.add_typer(record.app, name="record")
    app.add_typer(token.app, name="token")
    app.add_typer(keys.app, name="keys")
    app.add_typer(audit.app, name="audit")
    # The door's faces (issue 5), each registered once its module is in place.
    for module, attr, name in (
        ("principal", "app", "principal"),
        ("grant", "app", "grant"),
        ("context", "ticket_app", "ticket"),
        ("context", "shift_app", "shift"),
        ("context", "badge_app", "badge"),
        ("context", "training_app", "training"),
        ("policy", "app", "policy"),
    ):
        try:
            sub = getattr(importlib.import_module(f"strongroom.cli.{module}"), attr)
        except ModuleNotFoundError:
            continue
        app.add_typer(sub, name=name)
    try:
        from strongroom.cli import serve

        app.command("serve")(serve.serve)
    except ModuleNotFoundError:
        pass


def main(argv: list[str] | None = None) -> Any:
    _register()
    try:
        return app(args=argv, standalone_mode=True)
    except SystemExit as exc:
        # Click reports usage errors with exit 2 already; keep every other code as is.
        raise exc
