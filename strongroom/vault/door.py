"""The vault's way through the gate: the policy in force and the facts it decides on, then
`access.gate` on the instance's data store, then a checkpoint of the ledger when one is due.

- Stored principals (agents, supervisors, service accounts …) are decided by the instance's
  Cedar policy (`access/cedar.py`) on facts gathered inside the action's own transaction:
  the ticket the request names, the shift, the badge, training, MFA age, grants, and the
  classes of the fields touched.
- The local operator, the CLI user on the instance's own machine who holds the root key, is
  decided by `OperatorPolicy` (every action recorded, reveals need a purpose) and is not
  bound by the policy file, as a root token is not: a policy cannot restrain whoever holds
  the key it would be enforced with. No face but the local CLI can act as the operator.

A checkpoint that cannot be issued never undoes an operation that has committed: it is
reported on the `strongroom.audit` logger and tried again after the next operation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from strongroom.access import Passage, Principal, Resource, gate
from strongroom.access.cedar import UNKNOWN_CLASS, load_policy
from strongroom.access.evidence import gather
from strongroom.access.facts import Facts
from strongroom.access.gate import Gather, Plan
from strongroom.access.principal import OPERATOR
from strongroom.audit import RequestContext
from strongroom.audit.log import checkpoint_if_due
from strongroom.dlp.scanner import refuse_customer_data
from strongroom.errors import NotFound, StrongroomError
from strongroom.instance import Instance
from strongroom.store.engine import Tx
from strongroom.vault.spec import TenantSpec

log = logging.getLogger("strongroom.audit")


def field_classes(spec: TenantSpec, names: Sequence[str]) -> tuple[str, ...]:
    """The data class of each field named: from the tenant's spec, or the name itself when it
    is already a class (token actions name CREDIT_CARD), else UNKNOWN_CLASS."""
    out = []
    for name in names:
        fs = spec.field(name)
        out.append(fs.cls if fs is not None else name if name.isupper() else UNKNOWN_CLASS)
    return tuple(out)


def _classes(inst: Instance, tx: Tx, resource: Resource) -> tuple[str, ...]:
    """The data class of each field touched (`field_classes`)."""
    if not resource.fields or resource.tenant is None:
        return ()
    from strongroom.vault.tenants import require_tenant  # tenants opens doors itself

    try:
        spec = require_tenant(inst, tx, resource.tenant)
    except NotFound:
        return tuple(UNKNOWN_CLASS for _ in resource.fields)
    return field_classes(spec, resource.fields)


def _gatherer(inst: Instance, principal: Principal, context: RequestContext | None) -> Gather:
    ticket = context.ticket if context is not None else None

    def facts(tx: Tx, resource: Resource) -> Facts:
        subject = resource.subjects[0] if len(resource.subjects) == 1 else None
        return gather(
            tx,
            principal,
            resource.tenant,
            subject,
            ticket,
            _classes(inst, tx, resource),
            datetime.now(UTC),
        )

    return facts


@contextmanager
def door(
    inst: Instance,
    principal: Principal,
    action: str,
    resource: Resource,
    purpose: str | None = None,
    context: RequestContext | None = None,
    *,
    details: dict[str, Any] | None = None,
    plan: Plan | None = None,
) -> Iterator[Passage]:
    """Raises Denied (recorded), BadInput when the installed policy file is unsound or the
    purpose holds customer data (not recorded: the entry would keep it), and whatever the
    action raises (recorded as failed). `plan`: see `access.gate`."""
    refuse_customer_data(purpose, "purpose")
    stored = principal.role != OPERATOR
    try:
        with gate(
            inst.data,
            principal,
            action,
            resource,
            purpose,
            context,
            details=details,
            policy=load_policy(inst.home) if stored else None,
            gather=_gatherer(inst, principal, context) if stored else None,
            plan=plan,
        ) as p:
            yield p
    finally:
        try:
            checkpoint_if_due(inst)
        except StrongroomError as exc:
            log.warning("checkpoint not issued: %s", exc.message)
