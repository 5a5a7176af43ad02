"""Break-glass and vendor grants: narrow, time-boxed access that a second person approves.

What this module guarantees:

- A grant names one grantee, one tenant, the actions and fields it covers, and a reason of at
  least `MIN_REASON` characters. It starts when requested and ends `hours` later: at most
  `MAX_HOURS["break_glass"]` (4) for break-glass, `MAX_HOURS["vendor"]` (72, three working
  days of a vendor's engagement) for vendor access. It is `pending` until approved, `active`
  once approved and until it ends, then `expired`; `revoked` ends it at once.
- The grantee is a principal that exists and is not disabled, and the policy in force would
  let it take every action the grant names under the grant once it is approved and active
  (`_unusable` asks the grant's standing alone; a condition on the grantee's state at the
  time of use, such as a shift or a ticket, is not held against it). Otherwise the request
  fails, recorded, naming `grantee` when no action would be allowed (a role the kind is not
  for, a tenant-bound grantee on another tenant), else the action or the fields: a grant its
  grantee could not use would sit approved and unused. So who may hold which kind is the
  policy's to say (the default's `break-glass` and `vendor-under-grant`), and an edited policy
  changes it. The policy also sees the grantee's role when deciding the request itself
  (`target_role`).
- Token actions touch the class CREDIT_CARD, not a field of the tenant: a grant naming
  `token.tokenize` or `token.detokenize` names CREDIT_CARD among its fields.
- The approver is a second person: neither the requester nor the grantee
  (`Denied`, condition `second-person`). Whether a role may request, approve, revoke or list
  is the policy's decision, not this module's.
- Every request, approval, revocation and listing goes through the door
  (`grant.request`, `grant.approve`, `grant.revoke`, `grant.list`), decided by the policy and
  recorded in the ledger in the transaction that changes the grant. The resource is the
  policy's `cedar.grant_resource`: the tenant, the grantee as subject, the kind and requester
  as `kind=…`, `requester=…` fields; the details are the grant id and kind, so break-glass is
  visible as such in the ledger.
- `held` reads what the policy needs about a principal's grants on one tenant in one indexed
  select; it is on the path of every request. A grant that ended less than `ENDED_HELD` ago
  is still among them, inactive, so that its holder is told it expired (`grant-expired`)
  rather than that there is none.

The vault is imported inside the service functions: the gate gathers facts through `held`, and
the vault's door imports the gate, so a module-level import would make a cycle.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from strongroom.access.cedar import grant_resource, load_policy
from strongroom.access.facts import Facts, GrantFact, GrantKind
from strongroom.access.passwords import Account, load
from strongroom.access.policy import Decision, Resource
from strongroom.access.principal import Principal, PrincipalId
from strongroom.audit import RequestContext
from strongroom.dlp.scanner import refuse_customer_data
from strongroom.errors import BadInput, Conflict, Denied, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import Tx, stamp, transaction

if TYPE_CHECKING:
    from strongroom.vault.spec import TenantSpec

GrantStatus = Literal["pending", "active", "expired", "revoked"]
GRANT_KINDS: tuple[GrantKind, ...] = get_args(GrantKind)
MAX_HOURS: dict[GrantKind, float] = {"break_glass": 4.0, "vendor": 72.0}
MIN_REASON = 10
# The class token actions touch (`vault.tokens`), which a grant for them names as a field.
CARD_CLASS = "CREDIT_CARD"
# The purpose the dry run of a grant states (`_unusable`), so that a purpose rule is met.
_DRY_PURPOSE = "could the grantee use this grant"
# The unmet conditions that make a grant unusable whenever it is used: who the grantee is
# and what the grant covers. Others (ticket, shift, badge, training, purpose, MFA …) are the
# grantee's state at the time of use, which the dry run cannot know.
_WHO_AND_WHAT = frozenset({"tenant", "role", "grant", "grant-scope", "policy-error"})
# What a grant can open: the vault's data actions. Administrative actions are never granted.
GRANTABLE_ACTIONS = (
    "record.get",
    "record.reveal",
    "record.find",
    "token.tokenize",
    "token.detokenize",
)
_GRANTEE = re.compile(r"^[^\s\x00-\x1f\x7f]{1,128}$")

_COLUMNS = (
    "SELECT id, kind, grantee, tenant_id, actions, fields, reason, requested_by, approved_by, "
    "starts_at, ends_at, revoked_at FROM grants"
)
_BY_ID = f"{_COLUMNS} WHERE id = ?"
# How long a grant is still held, inactive, after it ends.
ENDED_HELD = timedelta(hours=24)
# The grants a grantee holds on a tenant at a time (parameters: grantee, tenant, the time less
# ENDED_HELD); `evidence` counts them with the same condition to skip `held` when there are none.
HELD_WHERE = "grantee = ? AND tenant_id = ? AND revoked_at IS NULL AND ends_at > ?"
_HELD = (
    "SELECT id, kind, tenant_id, actions, fields, approved_by, starts_at, ends_at FROM grants "
    f"WHERE {HELD_WHERE} ORDER BY starts_at, id"
)


@dataclass(frozen=True)
class GrantInfo:
    id: str
    kind: GrantKind
    grantee: str
    tenant: str
    actions: tuple[str, ...]
    fields: tuple[str, ...]
    reason: str
    requested_by: str
    approved_by: str | None
    starts_at: str
    ends_at: str
    status: GrantStatus

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "grantee": self.grantee,
            "tenant": self.tenant,
            "actions": list(self.actions),
            "fields": list(self.fields),
            "reason": self.reason,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "status": self.status,
        }


def _now() -> str:
    return stamp(datetime.now(UTC))


def _info(row: Sequence[Any], at: str) -> GrantInfo:
    gid, kind, grantee, tenant, actions, fields, reason, requested_by = row[:8]
    approved_by, starts_at, ends_at, revoked_at = row[8:12]
    status: GrantStatus
    if revoked_at is not None:
        status = "revoked"
    elif at >= ends_at:
        status = "expired"
    elif approved_by is None:
        status = "pending"
    else:
        status = "active"
    return GrantInfo(
        gid,
        cast(GrantKind, kind),
        grantee,
        tenant,
        tuple(json.loads(actions)),
        tuple(json.loads(fields)),
        reason,
        requested_by,
        approved_by,
        starts_at,
        ends_at,
        status,
    )


def parse_kind(text: str) -> GrantKind:
    """Raises BadInput for anything but break_glass or vendor."""
    for kind in GRANT_KINDS:
        if text == kind:
            return kind
    raise BadInput(f"a grant is {' or '.join(GRANT_KINDS)}, not {text!r}", field="kind")


def _listed(values: Sequence[str], name: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{name} must be non-empty text", field=name)
        if value.strip() not in out:
            out.append(value.strip())
    return tuple(out)


def request_grant(
    inst: Instance,
    actor: Principal,
    kind: GrantKind,
    grantee: str,
    tenant: str,
    actions: Sequence[str],
    fields: Sequence[str],
    reason: str,
    hours: float,
    context: RequestContext | None = None,
) -> GrantInfo:
    """Request a grant (pending until a second person approves it).

    Raises BadInput (naming the field) for an unknown kind or action, a field the tenant does
    not have, a reason shorter than MIN_REASON, hours beyond the kind's limit; NotFound for an
    unknown tenant; BadInput naming `grantee` for a grantee that does not exist, is disabled, or
    could use none of it, and naming `actions` or `fields` for what it could not use
    (`_refuse_unusable`); Denied when the policy refuses the request.
    """
    from strongroom.vault.door import door
    from strongroom.vault.tenants import require_tenant

    kind = parse_kind(kind)
    if not isinstance(grantee, str) or not _GRANTEE.match(grantee):
        raise BadInput("a grantee is a principal id: 1-128 characters, no blanks", field="grantee")
    wanted = _listed(actions, "actions")
    if not wanted:
        raise BadInput("a grant names at least one action", field="actions")
    unknown = [a for a in wanted if a not in GRANTABLE_ACTIONS]
    if unknown:
        raise BadInput(
            f"cannot grant {', '.join(unknown)} (grantable: {', '.join(GRANTABLE_ACTIONS)})",
            field="actions",
        )
    names = _listed(fields, "fields")
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) < MIN_REASON:
        raise BadInput(
            f"a grant needs a reason of at least {MIN_REASON} characters", field="reason"
        )
    refuse_customer_data(reason, "reason")
    limit = MAX_HOURS[kind]
    if (
        isinstance(hours, bool)
        or not isinstance(hours, int | float)
        or not math.isfinite(hours)
        or not 0 < hours <= limit
    ):
        raise BadInput(
            f"a {kind} grant lasts more than 0 and at most {limit:g} hours", field="hours"
        )
    gid = "g-" + secrets.token_hex(6)
    start = datetime.now(UTC)
    starts_at, ends_at = stamp(start), stamp(start + timedelta(hours=hours))
    with transaction(inst.data, read_only=True) as tx:
        seen = load(tx, grantee)  # read again inside, in the request's own transaction
    resource = grant_resource(tenant, grantee, kind, actor.id, seen.role if seen else None)
    details = {"grant": gid, "kind": kind}
    with door(inst, actor, "grant.request", resource, reason, context, details=details) as p:
        spec = require_tenant(inst, p.tx, tenant)
        account = load(p.tx, grantee)
        if account is None:
            raise BadInput(f"no principal {grantee!r} to grant to", field="grantee")
        if account.disabled_at is not None:
            raise BadInput(f"principal {grantee!r} is disabled", field="grantee")
        if seen is None or account.role != seen.role:
            raise Conflict(f"principal {grantee!r} changed while the grant was asked; ask again")
        tokens = [a for a in wanted if a.startswith("token.")]
        missing = [f for f in names if spec.field(f) is None and not (tokens and f == CARD_CLASS)]
        if missing:
            also = f" (token actions need {CARD_CLASS})" if tokens else ""
            raise BadInput(
                f"tenant {tenant!r} has no field {', '.join(missing)}{also}", field="fields"
            )
        unusable = _unusable(inst, account, kind, tenant, wanted, names, spec)
        _refuse_unusable(unusable, account, kind, tenant, len(wanted))
        p.tx.run(
            "INSERT INTO grants (id, kind, grantee, tenant_id, actions, fields, reason, "
            "requested_by, approved_by, approved_at, starts_at, ends_at, revoked_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, NULL, ?)",
            (
                gid,
                kind,
                grantee,
                tenant,
                json.dumps(list(wanted)),
                json.dumps(list(names)),
                reason,
                actor.id,
                starts_at,
                ends_at,
                starts_at,
            ),
        )
    return GrantInfo(
        gid,
        kind,
        grantee,
        tenant,
        wanted,
        names,
        reason,
        actor.id,
        None,
        starts_at,
        ends_at,
        "pending",
    )


def _uses(
    action: str, fields: tuple[str, ...], spec: TenantSpec
) -> list[tuple[str, tuple[str, ...]]]:
    """What one use of `action` under a grant of `fields` asks the policy: a get touches no
    field; a reveal one field at a time; a search one searchable field at a time, and then a
    get of what it finds (`records.find` discloses its matches as a record.get); a token action
    the card class. Empty when the grant names no field the action could touch."""
    if action == "record.get":
        return [("record.get", ())]
    if action.startswith("token."):
        return [(action, (CARD_CLASS,))] if CARD_CLASS in fields else []
    if action == "record.find":
        searchable = [f for f in fields if (fs := spec.field(f)) is not None and fs.searchable]
        return [(action, (f,)) for f in searchable] + ([("record.get", ())] if searchable else [])
    return [(action, (f,)) for f in fields if f != CARD_CLASS]


def _unusable(
    inst: Instance,
    grantee: Account,
    kind: GrantKind,
    tenant: str,
    actions: tuple[str, ...],
    fields: tuple[str, ...],
    spec: TenantSpec,
) -> list[tuple[str, Decision | None]]:
    """The actions the grantee could not take under this grant, approved and active, on the
    policy in force, each with the refusal (None: the grant names no field the action could
    touch). Only the grant's standing is asked (`own_standing=False`), and only a refusal for
    who the grantee is or what the grant covers counts (`_WHO_AND_WHAT`): the grantee's state
    is taken at its best (on shift and badged in at its site, trained, a second factor just
    verified, a purpose stated), and a condition on it is left to the time of use. A grant
    that opens only what the grantee's own standing already opens passes: it is of no use,
    and of no harm (a policy that permits everything would otherwise refuse every grant)."""
    from strongroom.vault.door import field_classes  # the door imports the gate, as above

    policy = load_policy(inst.home)
    who = Principal(PrincipalId(grantee.id), grantee.role, grantee.tenant, grantee.site)
    now = datetime.now(UTC)
    grant = GrantFact("requested", kind, tenant, actions, fields, approved=True, active=True)
    out: list[tuple[str, Decision | None]] = []
    for action in actions:
        uses = _uses(action, fields, spec)
        if not uses:
            out.append((action, None))
            continue
        for asked, touched in uses:
            classes = field_classes(spec, touched)  # as the door gives them at use
            facts = Facts(now, None, grantee.site, grantee.site, True, 0.0, classes, (grant,))
            resource = Resource(tenant, (), touched)
            decision = policy.decide(
                who, asked, resource, _DRY_PURPOSE, RequestContext(), facts, own_standing=False
            )
            if not decision.allowed and decision.condition in _WHO_AND_WHAT:
                shown = f" (its matches are shown as {asked})" if asked != action else ""
                out.append((action + shown, decision))
                break
    return out


def _refuse_unusable(
    unusable: list[tuple[str, Decision | None]],
    grantee: Account,
    kind: str,
    tenant: str,
    asked: int,
) -> None:
    """Raises BadInput when `_unusable` found any of the `asked` actions unusable."""
    if not unusable:
        return
    action, decision = unusable[0]
    who = f"{grantee.id!r} ({grantee.role})"
    if decision is None:
        raise BadInput(
            f"{action} under a grant touches only the fields the grant names, and it names "
            f"none it could (a reveal needs a field, a search a searchable one, a token "
            f"action {CARD_CLASS})",
            field="fields",
        )
    why = decision.reason
    # Nothing usable is the grantee's role or tenant, unless the grant's own scope is why.
    if len(unusable) == asked and decision.condition != "grant-scope":
        raise BadInput(
            f"{who} could not use this {kind} grant on {tenant!r}: {why}", field="grantee"
        )
    raise BadInput(f"{who} could not take {action} under this grant: {why}", field="actions")


def _find(inst: Instance, grant_id: str) -> GrantInfo:
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one(_BY_ID, (grant_id,))
    if row is None:
        raise NotFound(f"no grant {grant_id!r}")
    return _info(row, _now())


def _reload(tx: Tx, grant_id: str) -> GrantInfo:
    row = tx.one(_BY_ID, (grant_id,))
    if row is None:  # grants are never deleted
        raise NotFound(f"no grant {grant_id!r}")
    return _info(row, _now())


def approve_grant(
    inst: Instance, actor: Principal, grant_id: str, context: RequestContext | None = None
) -> GrantInfo:
    """Approve a pending grant as the second person; it is active until it ends.

    Raises NotFound; Denied (condition `second-person`) when the approver requested the grant
    or is its grantee, or when the policy refuses; Conflict when it is not pending.
    """
    from strongroom.vault.door import door

    grant = _find(inst, grant_id)
    resource = grant_resource(grant.tenant, grant.grantee, grant.kind, grant.requested_by)
    details = {"grant": grant.id, "kind": grant.kind}
    with door(inst, actor, "grant.approve", resource, context=context, details=details) as p:
        if actor.id in (grant.requested_by, grant.grantee):
            who = "requested" if actor.id == grant.requested_by else "is the grantee of"
            raise Denied(
                f"{actor.id} {who} grant {grant.id}; a second person must approve it",
                condition="second-person",
                policies=("second-person",),
            )
        at = _now()
        changed = p.tx.run(
            "UPDATE grants SET approved_by = ?, approved_at = ? WHERE id = ? "
            "AND approved_by IS NULL AND revoked_at IS NULL AND ends_at > ?",
            (actor.id, at, grant.id, at),
        )
        current = _reload(p.tx, grant.id)
        if changed != 1:
            raise Conflict(f"grant {grant.id} is {current.status}; only a pending one is approved")
        return current


def revoke_grant(
    inst: Instance, actor: Principal, grant_id: str, context: RequestContext | None = None
) -> GrantInfo:
    """End a grant now, whatever its state. Raises NotFound; Conflict when already revoked;
    Denied when the policy refuses."""
    from strongroom.vault.door import door

    grant = _find(inst, grant_id)
    resource = grant_resource(grant.tenant, grant.grantee, grant.kind, grant.requested_by)
    details = {"grant": grant.id, "kind": grant.kind}
    with door(inst, actor, "grant.revoke", resource, context=context, details=details) as p:
        changed = p.tx.run(
            "UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (_now(), grant.id),
        )
        if changed != 1:
            raise Conflict(f"grant {grant.id} is already revoked")
        return _reload(p.tx, grant.id)


def list_grants(inst: Instance, actor: Principal, tenant: str | None = None) -> list[GrantInfo]:
    """Every grant (of one tenant, or of all), oldest first, with its status now. Raises
    Denied when the policy refuses."""
    from strongroom.vault.door import door

    with door(inst, actor, "grant.list", Resource(tenant)) as p:
        if tenant is None:
            rows = p.tx.all(f"{_COLUMNS} ORDER BY created_at, id")
        else:
            rows = p.tx.all(f"{_COLUMNS} WHERE tenant_id = ? ORDER BY created_at, id", (tenant,))
    at = _now()
    return [_info(row, at) for row in rows]


def held(tx: Tx, grantee: str, tenant: str, now: datetime) -> tuple[GrantFact, ...]:
    """The grants `grantee` holds on `tenant` at `now` (an aware time): pending and approved
    ones not yet ended or ended less than ENDED_HELD ago, never revoked ones. `approved` and
    `active` tell the policy which of them count."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    at = stamp(aware)
    return tuple(
        GrantFact(
            id=gid,
            kind=cast(GrantKind, kind),
            tenant=tenant_id,
            actions=tuple(json.loads(actions)),
            fields=tuple(json.loads(fields)),
            approved=approved_by is not None,
            active=starts_at <= at < ends_at,
        )
        for gid, kind, tenant_id, actions, fields, approved_by, starts_at, ends_at in tx.all(
            _HELD, (grantee, tenant, stamp(aware - ENDED_HELD))
        )
    )
