"""Tenant data specs: the YAML a security officer writes to describe one client's data.

A spec is parsed once, at the edge, into a frozen `TenantSpec`; every error names the file, the
line and the field, and unknown keys are errors (a typo such as `searchabel: true` in a
security spec must not pass silently).

    tenant: acme-bank
    name: Acme Bank
    retention_days: 730
    phone_region: GB            # optional: region for phone numbers written without +
    fields:
      card_number: {class: CREDIT_CARD, tokenize: true}
      email:       {class: EMAIL_ADDRESS, searchable: true}
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from yaml.nodes import Node, ScalarNode

from strongroom import documents, yamlnodes
from strongroom.errors import BadInput
from strongroom.vault.classes import CLASSES
from strongroom.vault.masking import MASKS

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# A client's name as people read it in listings, reports and slices: one line, of a length a
# table can show. Unbounded, a spec could put megabytes into every listing of tenants.
MAX_NAME = 200
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_RETENTION = 36500
_TOP_KEYS = {"tenant", "name", "retention_days", "phone_region", "fields"}
_FIELD_KEYS = {"class", "mask", "searchable", "tokenize", "retention_days"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    cls: str
    mask: str
    searchable: bool = False
    tokenize: bool = False
    retention_days: int | None = None


@dataclass(frozen=True)
class TenantSpec:
    tenant: str
    name: str
    retention_days: int
    fields: tuple[FieldSpec, ...]
    phone_region: str = "US"

    def field(self, name: str) -> FieldSpec | None:
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TenantSpec:
        raw = json.loads(text)
        raw["fields"] = tuple(FieldSpec(**f) for f in raw["fields"])
        return cls(**raw)


class _Reader:
    """Walks composed YAML nodes (`yamlnodes`), which keep their line numbers, and reports
    with them."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader, self.file = loader, file

    def fail(self, node: Node | None, field: str, message: str) -> BadInput:
        line = yamlnodes.line_of(node) if node is not None else None
        return BadInput(message, file=self.file, line=line, field=field)

    def mapping(self, node: Node, field: str) -> dict[str, tuple[Node, Node]]:
        what = f"'{field}'" if field else "the spec"
        prefix = f"{field}." if field else ""
        return yamlnodes.keyed(node, self.file, what, field=field or None, prefix=prefix)

    def scalar(self, node: Node, field: str) -> Any:
        if not isinstance(node, ScalarNode):
            raise self.fail(node, field, "expected a single value")
        try:
            return yamlnodes.construct(self.loader, node)
        except ValueError as exc:
            raise self.fail(node, field, "not a value a spec can hold") from exc

    def string(self, node: Node, field: str) -> str:
        value = self.scalar(node, field)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, field, "expected a non-empty text")
        return value.strip()

    def boolean(self, node: Node, field: str) -> bool:
        value = self.scalar(node, field)
        if not isinstance(value, bool):
            raise self.fail(node, field, "expected true or false")
        return value

    def days(self, node: Node, field: str) -> int:
        value = self.scalar(node, field)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_RETENTION:
            raise self.fail(node, field, f"expected a whole number of days, 1 to {MAX_RETENTION}")
        return value


def _field(r: _Reader, name: str, key: Node, node: Node) -> FieldSpec:
    where = f"fields.{name}"
    if not FIELD_NAME.match(name) or name == "id":
        raise r.fail(key, where, "field names are lower_snake_case and 'id' is reserved")
    items = r.mapping(node, where)
    for k, (knode, _) in items.items():
        if k not in _FIELD_KEYS:
            raise r.fail(
                knode, f"{where}.{k}", f"unknown key; expected one of {sorted(_FIELD_KEYS)}"
            )
    if "class" not in items:
        raise r.fail(node, f"{where}.class", "every field needs a class")
    cnode = items["class"][1]
    cls = r.string(cnode, f"{where}.class")
    if cls not in CLASSES:
        raise r.fail(
            cnode, f"{where}.class", f"unknown class '{cls}'; expected one of {sorted(CLASSES)}"
        )
    dc = CLASSES[cls]
    mask = dc.default_mask
    if "mask" in items:
        mnode = items["mask"][1]
        mask = r.string(mnode, f"{where}.mask")
        if mask not in MASKS:
            raise r.fail(
                mnode, f"{where}.mask", f"unknown mask '{mask}'; expected one of {list(MASKS)}"
            )
    searchable = "searchable" in items and r.boolean(items["searchable"][1], f"{where}.searchable")
    if searchable and not dc.searchable:
        raise r.fail(
            items["searchable"][1], f"{where}.searchable", f"a {cls} field cannot be searchable"
        )
    tokenize = "tokenize" in items and r.boolean(items["tokenize"][1], f"{where}.tokenize")
    if tokenize and not dc.tokenizable:
        raise r.fail(
            items["tokenize"][1], f"{where}.tokenize", "only CREDIT_CARD fields are tokenized"
        )
    retention = (
        r.days(items["retention_days"][1], f"{where}.retention_days")
        if "retention_days" in items
        else None
    )
    return FieldSpec(name, cls, mask, searchable, tokenize, retention)


def parse_spec(text: str, file: str = "<spec>") -> TenantSpec:
    """Parse a spec's YAML text. Raises BadInput naming file, line and field."""
    loader, root = yamlnodes.compose(text, file)
    r = _Reader(loader, file)
    if root is None:
        raise BadInput("the spec is empty", file=file)
    top = r.mapping(root, "")
    for k, (knode, _) in top.items():
        if k not in _TOP_KEYS:
            raise r.fail(knode, k, f"unknown key; expected one of {sorted(_TOP_KEYS)}")
    for required in ("tenant", "name", "retention_days", "fields"):
        if required not in top:
            raise r.fail(root, required, "missing")
    tnode = top["tenant"][1]
    tenant = r.string(tnode, "tenant")
    if not TENANT_ID.match(tenant):
        raise r.fail(
            tnode,
            "tenant",
            "a tenant id is 2-63 of a-z, 0-9 and '-', starting with a letter or digit",
        )
    region = "US"
    if "phone_region" in top:
        pnode = top["phone_region"][1]
        region = r.string(pnode, "phone_region").upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise r.fail(pnode, "phone_region", f"unknown region '{region}' (ISO 3166 alpha-2)")
    fnode = top["fields"][1]
    fields = tuple(
        _field(r, name, key, node) for name, (key, node) in r.mapping(fnode, "fields").items()
    )
    if not fields:
        raise r.fail(fnode, "fields", "a tenant needs at least one field")
    return TenantSpec(
        tenant=tenant,
        name=_display_name(r, top["name"][1]),
        retention_days=r.days(top["retention_days"][1], "retention_days"),
        fields=fields,
        phone_region=region,
    )


def _display_name(r: _Reader, node: Node) -> str:
    name = r.string(node, "name")
    if len(name) > MAX_NAME or _CONTROL.search(name):
        raise r.fail(node, "name", f"a name is one line of at most {MAX_NAME} characters")
    return name


def load_spec(path: Path) -> TenantSpec:
    return parse_spec(documents.read_text(path), str(path))
