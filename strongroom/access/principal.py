"""Who is acting. A principal is resolved by the face (CLI: the local operator; API: a session
or API key in a later issue) and passed down; nothing below the faces invents one."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import NewType

PrincipalId = NewType("PrincipalId", str)

OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    id: PrincipalId
    role: str
    tenant: str | None = None
    site: str | None = None


def local_operator() -> Principal:
    """The instance's local operator: whoever runs the CLI on the instance's own machine."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(PrincipalId(f"operator:{user}"), OPERATOR)
