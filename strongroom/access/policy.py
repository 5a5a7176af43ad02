"""The policy decision, first form.

A policy is pure: it sees the principal, action, resource, purpose and request context, and
returns a `Decision` naming the policy ids that decided it. It performs no I/O; the gate records
what it says. This first form knows one role, the instance's local operator, which may do every
vault action; revealing a field still needs a stated purpose. Every other role is denied
by default until the Cedar policy set (a later issue) takes this module's place behind the same
`Policy` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from strongroom.access.facts import Facts
from strongroom.access.principal import OPERATOR, Principal
from strongroom.audit.entry import RequestContext

PURPOSE_REQUIRED = frozenset({"record.reveal"})
MIN_PURPOSE = 3


@dataclass(frozen=True)
class Resource:
    """What one operation touches: a tenant, the subjects (none for tenant-wide actions, many
    for a batch) and the fields."""

    tenant: str | None
    subjects: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    @classmethod
    def subject(cls, tenant: str, subject: str, fields: tuple[str, ...] = ()) -> Resource:
        return cls(tenant, (subject,), fields)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    policies: tuple[str, ...]
    condition: str | None = None  # the unmet condition when denied


class Policy(Protocol):
    def decide(
        self,
        principal: Principal,
        action: str,
        resource: Resource,
        purpose: str | None,
        context: RequestContext,
        facts: Facts | None = None,
    ) -> Decision: ...


class OperatorPolicy:
    """Default deny; the local operator may act, with a purpose where one is required."""

    def decide(
        self,
        principal: Principal,
        action: str,
        resource: Resource,
        purpose: str | None,
        context: RequestContext,
        facts: Facts | None = None,
    ) -> Decision:
        if principal.role != OPERATOR:
            return Decision(
                False,
                f"role '{principal.role}' has no permission for {action}",
                ("default-deny",),
                condition="role",
            )
        if action in PURPOSE_REQUIRED and len((purpose or "").strip()) < MIN_PURPOSE:
            return Decision(
                False,
                f"{action} needs a stated purpose of at least {MIN_PURPOSE} characters",
                ("operator-purpose",),
                condition="purpose",
            )
        return Decision(True, "local operator", ("operator-allow",))
