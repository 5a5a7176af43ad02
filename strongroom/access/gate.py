"""The one door: decide, record, and only then act.

`gate` is a context manager around one data-store transaction. On entry it asks the policy
about each resource; a refusal is written to the ledger in its own transaction and raised as
`Denied`. When allowed, the entries are appended inside the transaction that the caller's
action then runs in, so the action and its record commit together or not at all. If the action
fails, its transaction (entries included) rolls back and one `failed` entry is written instead:
every attempt leaves exactly one entry per resource. A failure to write an entry fails the
operation before anything is returned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from strongroom.access.policy import Decision, OperatorPolicy, Policy, Resource
from strongroom.access.principal import Principal
from strongroom.audit import Entry, Outcome, RequestContext, append
from strongroom.errors import Denied, StrongroomError
from strongroom.store.engine import transaction

DEFAULT_POLICY: Policy = OperatorPolicy()


def _entries(
    principal: Principal,
    action: str,
    resources: Sequence[Resource],
    purpose: str | None,
    context: RequestContext,
    outcome: Outcome,
    decisions: Sequence[Decision],
    details: dict[str, Any] | None,
    reason: str | None = None,
) -> list[Entry]:
    now = datetime.now(UTC)
    return [
        Entry(
            ts=now,
            principal=principal.id,
            role=principal.role,
            tenant=r.tenant,
            action=action,
            outcome=outcome,
            reason=reason or d.reason,
            subject=r.subject,
            fields=r.fields,
            purpose=purpose,
            policies=d.policies,
            context=context,
            details=details or {},
        )
        for r, d in zip(resources, decisions, strict=True)
    ]


@dataclass
class Passage:
    """The open door: the transaction the action runs in, and a way to record what the action
    discloses beyond what was asked (a find's matches), each decided by the same policy."""

    conn: Connection
    principal: Principal
    purpose: str | None
    context: RequestContext
    policy: Policy

    def disclose(self, action: str, resources: Sequence[Resource]) -> None:
        """Decide and record each disclosed resource. Raises Denied, failing the operation."""
        if not resources:
            return
        decisions = [
            self.policy.decide(self.principal, action, r, self.purpose, self.context)
            for r in resources
        ]
        refused = next((d for d in decisions if not d.allowed), None)
        if refused is not None:
            raise Denied(
                refused.reason, condition=refused.condition or "policy", policies=refused.policies
            )
        append(
            self.conn,
            _entries(
                self.principal,
                action,
                resources,
                self.purpose,
                self.context,
                "allowed",
                decisions,
                None,
            ),
        )


@contextmanager
def gate(
    engine: Engine,
    principal: Principal,
    action: str,
    resource: Resource | Sequence[Resource],
    purpose: str | None = None,
    context: RequestContext | None = None,
    *,
    details: dict[str, Any] | None = None,
    policy: Policy | None = None,
) -> Iterator[Passage]:
    """Yield the passage (its transaction) in which the allowed action must run.

    Raises Denied (after recording the refusal); re-raises whatever the action raised (after
    recording the failure); StoreUnavailable when the entry cannot be written.
    """
    resources = [resource] if isinstance(resource, Resource) else list(resource)
    if not resources:
        raise ValueError("gate needs at least one resource")  # a programming error, not input
    ctx = context or RequestContext()
    decider = policy or DEFAULT_POLICY
    decisions = [decider.decide(principal, action, r, purpose, ctx) for r in resources]
    refused = next((d for d in decisions if not d.allowed), None)
    if refused is not None:
        with transaction(engine) as conn:
            append(
                conn,
                _entries(
                    principal,
                    action,
                    resources,
                    purpose,
                    ctx,
                    "denied",
                    decisions,
                    details,
                    reason=refused.reason,
                ),
            )
        raise Denied(
            refused.reason, condition=refused.condition or "policy", policies=refused.policies
        )
    try:
        with transaction(engine) as conn:
            append(
                conn,
                _entries(principal, action, resources, purpose, ctx, "allowed", decisions, details),
            )
            yield Passage(conn, principal, purpose, ctx, decider)
    except BaseException as exc:
        why = exc.kind if isinstance(exc, StrongroomError) else type(exc).__name__
        try:
            with transaction(engine) as conn:
                append(
                    conn,
                    _entries(
                        principal,
                        action,
                        resources,
                        purpose,
                        ctx,
                        "failed",
                        decisions,
                        details,
                        reason=f"failed: {why}",
                    ),
                )
        except StrongroomError:
            pass  # the original error is the one to report; the store is likely down
        raise
