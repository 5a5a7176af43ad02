"""Tenants: one client of the BPO each, created from a data spec with its own keysets."""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.access import Principal, Resource
from strongroom.errors import Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import Tx, now, transaction
from strongroom.vault import keyring
from strongroom.vault.door import door
from strongroom.vault.spec import TenantSpec


@dataclass(frozen=True)
class TenantInfo:
    spec: TenantSpec
    created_at: str
    records: int

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant": self.spec.tenant,
            "name": self.spec.name,
            "retention_days": self.spec.retention_days,
            "phone_region": self.spec.phone_region,
            "created_at": self.created_at,
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


def require_tenant(inst: Instance, tx: Tx, tenant: str) -> TenantSpec:
    """The tenant's spec, read once per process (a spec does not change). Raises NotFound."""
    cached = inst.specs.get(tenant)
    if isinstance(cached, TenantSpec):
        return cached
    row = tx.one("SELECT spec FROM tenants WHERE id = ?", (tenant,))
    if row is None:
        raise NotFound(f"no tenant '{tenant}'")
    spec = TenantSpec.from_json(row[0])
    inst.specs[tenant] = spec
    return spec


def create(inst: Instance, principal: Principal, spec: TenantSpec) -> TenantInfo:
    """Raises Conflict when the tenant exists."""
    with door(inst, principal, "tenant.create", Resource(spec.tenant)) as p:
        if p.tx.one("SELECT 1 FROM tenants WHERE id = ?", (spec.tenant,)):
            raise Conflict(f"tenant '{spec.tenant}' already exists")
        stamp = now()
        with transaction(inst.keys, tenant=spec.tenant) as ktx:
            keyring.create_keysets(inst, ktx, spec.tenant)
        p.tx.run(
            "INSERT INTO tenants (id, name, spec, retention_days, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (spec.tenant, spec.name, spec.to_json(), spec.retention_days, stamp),
        )
        return TenantInfo(spec, stamp, 0)


def _info(inst: Instance, tx: Tx, tenant: str) -> TenantInfo:
    spec = require_tenant(inst, tx, tenant)
    row = tx.one(
        "SELECT created_at, (SELECT count(*) FROM records WHERE tenant_id = ?) "
        "FROM tenants WHERE id = ?",
        (tenant, tenant),
    )
    if row is None:  # deleted between the two reads; tenants are never deleted today
        raise NotFound(f"no tenant '{tenant}'")
    return TenantInfo(spec, str(row[0]), int(row[1]))


def show(inst: Instance, principal: Principal, tenant: str) -> TenantInfo:
    with door(inst, principal, "tenant.show", Resource(tenant)) as p:
        return _info(inst, p.tx, tenant)


def list_all(inst: Instance, principal: Principal) -> list[TenantInfo]:
    with door(inst, principal, "tenant.list", Resource(None)) as p:
        ids = p.tx.column("SELECT id FROM tenants ORDER BY id")
        infos = []
        for t in ids:
            p.tx.enter_tenant(t)  # each tenant's count, through its own wall
            infos.append(_info(inst, p.tx, t))
        return infos
