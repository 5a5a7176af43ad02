"""strongroom alert list|show|ack, and `watch_command` (registered as `strongroom detect watch`):
the live auditor's alerts over the instance's own ledger."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, pairs, table
from strongroom.detect import alerts, live
from strongroom.detect.alerts import AlertFilters, AlertPage, StoredAlert
from strongroom.instance import open_instance

app = typer.Typer(
    help="Alerts of the live auditor: list, show, acknowledge.",
    no_args_is_help=True,
)

AlertId = Annotated[str, typer.Argument(metavar="ID", help="The alert's id, e.g. a-3f9a1c2b7d4e.")]


def _show(a: StoredAlert) -> None:
    pairs(
        [
            ("id", a.id),
            ("status", a.status),
            ("scenario", a.scenario),
            ("severity", f"{a.severity} ({a.score:.2f})"),
            ("actor", a.actor),
            ("tenant", a.tenant or "-"),
            ("from", a.start),
            ("to", a.end),
            ("raised", f"{a.raised_at} (ledger entry {a.index})"),
            ("explanation", a.explanation),
            ("evidence", ", ".join(a.evidence) or "-"),
            ("acknowledged", f"{a.acked_at} by {a.acked_by}: {a.ack_note}" if a.acked_by else "-"),
        ]
    )


def _rows(found: list[StoredAlert]) -> None:
    table(
        [[a.id, a.raised_at[:19] + "Z", a.status, a.severity, a.scenario, a.actor] for a in found],
        ["id", "raised", "status", "severity", "scenario", "actor"],
    )


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help="open or acknowledged.")] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Alerts about this principal.")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="e.g. bulk_lookup, off_hours.")
    ] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", "-t", help="Only this tenant's alerts.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Raised at or after (ISO 8601 with offset).")
    ] = None,
    before: Annotated[
        int | None, typer.Option("--before", help="Page on: alerts older than this index.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (1-1000).")] = 100,
    as_json: Json = False,
) -> None:
    """Alerts, newest first.  Example: strongroom alert list --status open"""

    def action() -> AlertPage:
        f = AlertFilters(
            status,
            actor,
            scenario,
            tenant,
            alerts.parse_since(since) if since is not None else None,
            before,
        )
        return alerts.list_alerts(open_instance(), local_operator(), f, limit)

    def render(page: AlertPage) -> None:
        if as_json:
            emit_json({"alerts": [a.to_dict() for a in page.alerts], "more": page.more})
            return
        if not page.alerts:
            typer.echo("no alerts")
            return
        _rows(page.alerts)
        if page.more:
            typer.echo(f"(more: --before {page.alerts[-1].index})")

    run(as_json, action, render)


@app.command("show")
def show(alert_id: AlertId, as_json: Json = False) -> None:
    """One alert, its explanation and evidence.  Example: strongroom alert show a-3f9a1c2b7d4e"""
    run(
        as_json,
        lambda: alerts.show_alert(open_instance(), local_operator(), alert_id),
        lambda a: emit_json(a.to_dict()) if as_json else _show(a),
    )


@app.command("ack")
def ack(
    alert_id: AlertId,
    note: Annotated[str, typer.Option("--note", help="What was found or done (recorded).")],
    as_json: Json = False,
) -> None:
    """Acknowledge an open alert.

    Example: strongroom alert ack a-3f9a1c2b7d4e --note "agent coached; ticket backlog import"
    """
    run(
        as_json,
        lambda: alerts.ack_alert(open_instance(), local_operator(), alert_id, note),
        lambda a: emit_json(a.to_dict()) if as_json else _show(a),
    )


def watch_command(
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between looks at the ledger.")
    ] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="Judge what is new, then stop.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON alert a line on stdout, nothing else.")
    ] = False,
) -> None:
    """Run the detectors over this instance's own ledger, storing and printing new alerts.

    Runs until interrupted (Ctrl-C); `strongroom serve` runs the same watcher itself (every
    $STRONGROOM_DETECT_INTERVAL seconds; 0 turns it off), so run this one only when serve's is
    off. Example: strongroom detect watch --interval 10
    """

    def show(raised: list[StoredAlert]) -> None:
        for a in raised:
            if as_json:
                sys.stdout.write(json.dumps(a.to_dict()) + "\n")
            else:
                typer.echo(
                    f"{a.raised_at[:19]}Z  {a.id}  {a.severity:<8}  {a.scenario:<20}  "
                    f"{a.actor}  {a.explanation}"
                )
            sys.stdout.flush()

    def action() -> int:
        inst = open_instance()
        if once:
            raised = live.watch_once(inst)
            show(raised)
            return len(raised)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a watch ends
            live.watch(inst, interval, show)
        return 0

    def render(count: int) -> None:
        if once and not as_json:
            sys.stderr.write(f"{count} new alert{'s' if count != 1 else ''}\n")

    run(as_json, action, render)
