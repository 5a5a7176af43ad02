"""ArcSight Common Event Format (CEF:0), for SIEMs that read syslog lines.

Escaping follows the CEF specification: in the header, backslash and pipe are escaped; in
extension values, backslash and equals are escaped and line breaks become `\\n` / `\\r`, so a
hostile principal name or purpose can neither end a field nor forge another.
"""

from __future__ import annotations

from typing import Any

import strongroom
from strongroom.audit.export.ocsf import _millis


def header(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def extension(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("=", "\\=")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class Cef:
    name = "cef"

    def line(self, index: int, entry: dict[str, Any]) -> str:
        outcome = entry["outcome"]
        allowed = outcome["decision"] == "allowed"
        resource = entry.get("resource", {})
        context = entry.get("context", {})
        pairs = [
            ("rt", str(_millis(entry["ts"]))),
            ("suser", entry["principal"]),
            ("suid", entry["role"]),
            ("act", entry["action"]),
            ("outcome", outcome["decision"]),
            ("reason", outcome["reason"]),
            ("cs1Label", "tenant"),
            ("cs1", entry.get("tenant") or ""),
            ("cs2Label", "subjects"),
            ("cs2", ",".join(resource.get("subjects", []))),
            ("cs3Label", "fields"),
            ("cs3", ",".join(resource.get("fields", []))),
            ("cs4Label", "purpose"),
            ("cs4", entry.get("purpose") or ""),
            ("cs5Label", "ticket"),
            ("cs5", context.get("ticket", "")),
            ("cn1Label", "ledgerIndex"),
            ("cn1", str(index)),
        ]
        if "ip" in context:
            pairs.append(("src", context["ip"]))
        ext = " ".join(f"{k}={extension(v)}" for k, v in pairs)
        fields = [
            "CEF:0",
            "Strongroom",
            "Strongroom",
            strongroom.__version__,
            entry["action"],
            f"{entry['action']} {outcome['decision']}",
            "3" if allowed else "7",
        ]
        return "|".join(header(f) for f in fields[1:]).join([f"{fields[0]}|", f"|{ext}"])
