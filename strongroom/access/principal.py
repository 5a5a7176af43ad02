"""Who is acting. A principal is resolved by the face (CLI: the local operator; API: a session
or an API key) and passed down; nothing below the faces invents one.

`mfa_at` is when this principal last proved a second factor in the session the request came
from (None: never, or an API key); the policy reads its age, never the face."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import NewType

PrincipalId = NewType("PrincipalId", str)

OPERATOR = "operator"
AGENT = "agent"
SUPERVISOR = "supervisor"
SECURITY_OFFICER = "security_officer"
CLIENT_AUDITOR = "client_auditor"
VENDOR = "vendor"
SERVICE = "service"
# Roles a principal can be given; the operator is the instance's own CLI user, never stored.
ROLES = (AGENT, SUPERVISOR, SECURITY_OFFICER, CLIENT_AUDITOR, VENDOR, SERVICE)


@dataclass(frozen=True)
class Principal:
    id: PrincipalId
    role: str
    tenant: str | None = None
    site: str | None = None
    mfa_at: datetime | None = None


def local_operator() -> Principal:
    """The instance's local operator: whoever runs the CLI on the instance's own machine."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(PrincipalId(f"operator:{user}"), OPERATOR)
