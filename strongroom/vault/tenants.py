"""Tenants: one client of the BPO each, created from a data spec with its own keysets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, insert, select

from strongroom.access import Principal, Resource, gate
from strongroom.errors import Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import transaction
from strongroom.store.tables import records, tenants
from strongroom.vault import keyring
from strongroom.vault.spec import TenantSpec


@dataclass(frozen=True)
class TenantInfo:
    spec: TenantSpec
    created_at: datetime
    records: int

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant": self.spec.tenant,
            "name": self.spec.name,
            "retention_days": self.spec.retention_days,
            "phone_region": self.spec.phone_region,
            "created_at": self.created_at.isoformat(),
            "records": self.records,
            "fields": [
                {
                    "name": f.name,
                    "class": f.cls,
                    "mask": f.mask,
                    "searchable": f.searchable,
                    "tokenize": f.tokenize,
                    "retention_days": f.retention_days,
                }
                for f in self.spec.fields
            ],
        }


_SPEC = select(tenants.c.spec).where(tenants.c.id == bindparam("tenant"))


def require_tenant(inst: Instance, conn: Connection, tenant: str) -> TenantSpec:
    """The tenant's spec, read once per process (a spec does not change). Raises NotFound."""
    cached = inst.specs.get(tenant)
    if isinstance(cached, TenantSpec):
        return cached
    row = conn.execute(_SPEC, {"tenant": tenant}).first()
    if row is None:
        raise NotFound(f"no tenant '{tenant}'")
    spec = TenantSpec.from_json(row[0])
    inst.specs[tenant] = spec
    return spec


def create(inst: Instance, principal: Principal, spec: TenantSpec) -> TenantInfo:
    """Raises Conflict when the tenant exists."""
    with gate(inst.data, principal, "tenant.create", Resource(spec.tenant)) as p:
        if p.conn.execute(select(tenants.c.id).where(tenants.c.id == spec.tenant)).first():
            raise Conflict(f"tenant '{spec.tenant}' already exists")
        now = datetime.now(UTC)
        with transaction(inst.keys) as kconn:
            keyring.create_keysets(inst, kconn, spec.tenant)
        p.conn.execute(
            insert(tenants).values(
                id=spec.tenant,
                name=spec.name,
                spec=spec.to_json(),
                retention_days=spec.retention_days,
                created_at=now,
            )
        )
        return TenantInfo(spec, now, 0)


def _info(inst: Instance, conn: Connection, tenant: str) -> TenantInfo:
    spec = require_tenant(inst, conn, tenant)
    created = conn.execute(select(tenants.c.created_at).where(tenants.c.id == tenant)).scalar_one()
    count = conn.execute(
        select(func.count()).select_from(records).where(records.c.tenant_id == tenant)
    ).scalar_one()
    return TenantInfo(spec, created, int(count))


def show(inst: Instance, principal: Principal, tenant: str) -> TenantInfo:
    with gate(inst.data, principal, "tenant.show", Resource(tenant)) as p:
        return _info(inst, p.conn, tenant)


def list_all(inst: Instance, principal: Principal) -> list[TenantInfo]:
    with gate(inst.data, principal, "tenant.list", Resource(None)) as p:
        ids = p.conn.execute(select(tenants.c.id).order_by(tenants.c.id)).scalars().all()
        return [_info(inst, p.conn, t) for t in ids]
