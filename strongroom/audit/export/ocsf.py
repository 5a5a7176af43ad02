"""OCSF API Activity (class 6003, category 6 Application Activity), schema 1.3.0.

Each vault operation is an API call on customer data: put is Create, get/find/reveal/
detokenize are Read, erase is Delete, everything else Other. A denial or failure is status
Failure with the policy's reason; the entry's own fields travel in `unmapped` under
`strongroom`, so nothing of the ledger is lost in translation.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strongroom

CLASS_UID = 6003
CATEGORY_UID = 6
SCHEMA_VERSION = "1.3.0"
_ACTIVITY = {
    "record.put": (1, "Create"),
    "tenant.create": (1, "Create"),
    "token.tokenize": (1, "Create"),
    "record.get": (2, "Read"),
    "record.find": (2, "Read"),
    "record.reveal": (2, "Read"),
    "token.detokenize": (2, "Read"),
    "tenant.show": (2, "Read"),
    "tenant.list": (2, "Read"),
    "keys.rotate": (3, "Update"),
    "keys.rotate-root": (3, "Update"),
    "record.erase": (4, "Delete"),
}


def _millis(ts: str) -> int:
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)


def event(index: int, entry: dict[str, Any]) -> dict[str, Any]:
    activity_id, activity = _ACTIVITY.get(entry["action"], (99, "Other"))
    outcome = entry["outcome"]
    allowed = outcome["decision"] == "allowed"
    context = entry.get("context", {})
    resource = entry.get("resource", {})
    tenant = entry.get("tenant")
    resources = [
        {"uid": subject, "type": "customer_record", "owner": {"uid": tenant}}
        for subject in resource.get("subjects", [])
    ] or [{"uid": tenant or "instance", "type": "tenant"}]
    return {
        "class_uid": CLASS_UID,
        "class_name": "API Activity",
        "category_uid": CATEGORY_UID,
        "category_name": "Application Activity",
        "activity_id": activity_id,
        "activity_name": activity,
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": f"API Activity: {activity}",
        "time": _millis(entry["ts"]),
        "severity_id": 1 if allowed else 3,
        "severity": "Informational" if allowed else "Medium",
        "status_id": 1 if allowed else 2,
        "status": "Success" if allowed else "Failure",
        "status_detail": outcome["reason"],
        "message": f"{entry['action']} by {entry['principal']}: {outcome['decision']}",
        "actor": {
            "user": {
                "uid": entry["principal"],
                "name": entry["principal"],
                "groups": [{"name": entry["role"]}],
            }
        },
        "api": {
            "operation": entry["action"],
            "service": {"name": "strongroom"},
            "request": {"uid": str(index)},
        },
        "src_endpoint": {"ip": context["ip"]}
        if "ip" in context
        else {"hostname": context.get("device") or "local-operator"},
        "resources": resources,
        "metadata": {
            "version": SCHEMA_VERSION,
            "uid": str(index),
            "product": {
                "name": "Strongroom",
                "vendor_name": "Strongroom",
                "version": strongroom.__version__,
            },
            "tenant_uid": tenant,
            "original_time": entry["ts"],
        },
        "unmapped": {
            "strongroom": {
                "index": index,
                "fields": resource.get("fields", []),
                "purpose": entry.get("purpose"),
                "policies": outcome.get("policies", []),
                "context": context,
                "details": entry.get("details", {}),
            }
        },
    }


class Ocsf:
    name = "ocsf"

    def line(self, index: int, entry: dict[str, Any]) -> str:
        return json.dumps(event(index, entry), ensure_ascii=False, sort_keys=True)
