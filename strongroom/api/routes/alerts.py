"""The live auditor's alerts: GET /v1/alerts (filtered, newest first, paged with `before`),
GET /v1/alerts/{id}, POST /v1/alerts/{id}/ack. Reading and acknowledging pass the door
(`alert.read`, `alert.ack`) and are recorded; alerts name principals, subjects and fields,
never a customer's value."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.detect import alerts
from strongroom.detect.alert import SCENARIOS
from strongroom.detect.alerts import AlertFilters, StoredAlert
from strongroom.store.engine import stamp
from strongroom.vault.spec import TENANT_ID

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

AlertId = Annotated[str, Path(pattern=alerts.ALERT_ID, description="e.g. a-1a2b3c4d5e6f")]
Status = Literal["open", "acknowledged"]
_PRINCIPAL = r"^[^\s\x00-\x1f\x7f]{1,128}$"
_SCENARIO = f"^({'|'.join(SCENARIOS)})$"


class AlertOut(BaseModel):
    id: str
    index: int = Field(description="Its `alert.raise` entry in the ledger; orders alerts.")
    actor: str = Field(description="The principal the alert is about.")
    tenant: str | None
    scenario: str
    score: float
    severity: Literal["low", "medium", "high", "critical"]
    start: str
    end: str = Field(description="The time of the event that raised it.")
    explanation: str
    evidence: list[str] = Field(description="Ledger entries, e.g. `ledger:88` (the first few).")
    raised_at: str
    status: Status
    acked_by: str | None = None
    acked_at: str | None = None
    ack_note: str | None = None


class AlertList(BaseModel):
    alerts: list[AlertOut]
    more: bool = Field(description="Older alerts matched: page on with `before` = last `index`.")


class AckIn(BaseModel):
    note: str = Field(min_length=1, max_length=alerts.MAX_NOTE, description="Recorded with it.")


def alert_out(a: StoredAlert) -> AlertOut:
    return AlertOut(**a.to_dict())


@router.get("", responses=problems.STANDARD)
def list_alerts(
    call: Call,
    status: Status | None = None,
    about: Annotated[
        str | None,
        Query(alias="actor", pattern=_PRINCIPAL, description="Alerts about this principal."),
    ] = None,
    scenario: Annotated[
        str | None, Query(pattern=_SCENARIO, description="e.g. bulk_lookup, off_hours.")
    ] = None,
    tenant: Annotated[str | None, Query(pattern=TENANT_ID.pattern)] = None,
    since: Annotated[datetime | None, Query(description="Raised at or after (ISO 8601).")] = None,
    before: Annotated[
        int | None,
        Query(ge=0, le=alerts.MAX_INDEX, description="Alerts older than this index."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=alerts.MAX_LIMIT)] = 100,
) -> AlertList:
    """Alerts, newest first (of the caller's own tenant for a principal bound to one)."""
    f = AlertFilters(
        status, about, scenario, tenant, stamp(since) if since is not None else None, before
    )
    page = alerts.list_alerts(call.inst, call.principal, f, limit, call.context)
    return AlertList(alerts=[alert_out(a) for a in page.alerts], more=page.more)


@router.get("/{alert_id}", responses=problems.STANDARD)
def show_alert(alert_id: AlertId, call: Call) -> AlertOut:
    """One alert, with its explanation and evidence."""
    return alert_out(alerts.show_alert(call.inst, call.principal, alert_id, call.context))


@router.post("/{alert_id}/ack", responses=problems.STANDARD)
def ack_alert(alert_id: AlertId, body: AckIn, call: Call) -> AlertOut:
    """Acknowledge an open alert with a note (once; not one about yourself)."""
    return alert_out(alerts.ack_alert(call.inst, call.principal, alert_id, body.note, call.context))
