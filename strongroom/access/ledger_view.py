"""The ledger as a principal may read it: a client's auditor its own tenant's entries, a
security officer any, the operator everything.

Reading the ledger is itself a use of the tenants' data (entries name their customers), so
it passes the door like any other (action `audit.search`, decided by the policy) and leaves
its own entry, naming the filters. Entries name subjects and fields, never values.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from strongroom.access.policy import Resource
from strongroom.access.principal import Principal
from strongroom.audit import RequestContext
from strongroom.audit.search import Filters, entries
from strongroom.instance import Instance

ACTION = "audit.search"


@dataclass(frozen=True)
class LedgerPage:
    entries: list[tuple[int, dict[str, Any]]]
    more: bool  # more entries matched than the limit


def search(
    inst: Instance,
    principal: Principal,
    filters: Filters,
    limit: int | None = None,
    context: RequestContext | None = None,
) -> LedgerPage:
    """Entries matching `filters`, oldest first, at most `limit`. Raises Denied (recorded),
    NotFound for an unknown tenant."""
    from strongroom.vault.door import door  # the door is the vault's; it imports access
    from strongroom.vault.tenants import require_tenant

    asked = {k: v for k, v in filters.__dict__.items() if v is not None and k != "tenant"}
    resource = Resource(filters.tenant)
    with door(inst, principal, ACTION, resource, context=context, details={"filters": asked}) as p:
        if filters.tenant is not None:
            require_tenant(inst, p.tx, filters.tenant)
        found = entries(inst, filters)
        if limit is None:
            return LedgerPage(list(found), False)
        page = list(islice(found, limit + 1))
    return LedgerPage(page[:limit], len(page) > limit)
