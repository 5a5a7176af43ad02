"""The vault's way through the gate: `access.gate` on the instance's data store, then a
checkpoint of the ledger when one is due, so the ledger is signed "every N entries or T
seconds" without anyone asking. A checkpoint that cannot be issued never undoes an
operation that has committed: it is reported on the `strongroom.audit` logger and tried
again after the next operation."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from strongroom.access import Passage, Principal, Resource, gate
from strongroom.audit import RequestContext
from strongroom.audit.log import checkpoint_if_due
from strongroom.errors import StrongroomError
from strongroom.instance import Instance

log = logging.getLogger("strongroom.audit")


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
) -> Iterator[Passage]:
    try:
        with gate(inst.data, principal, action, resource, purpose, context, details=details) as p:
            yield p
    finally:
        try:
            checkpoint_if_due(inst)
        except StrongroomError as exc:
            log.warning("checkpoint not issued: %s", exc.message)
