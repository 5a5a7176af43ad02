"""Access: who is acting, what the policy says, and the gate every use of data passes."""

from strongroom.access.gate import Passage, gate
from strongroom.access.policy import Decision, Policy, Resource
from strongroom.access.principal import Principal, PrincipalId, local_operator

__all__ = [
    "Decision",
    "Passage",
    "Policy",
    "Principal",
    "PrincipalId",
    "Resource",
    "gate",
    "local_operator",
]
