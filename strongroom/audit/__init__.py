"""The record layer: the audit ledger every gated operation writes to."""

from strongroom.audit.entry import Entry, Outcome, RequestContext
from strongroom.audit.ledger import append

__all__ = ["Entry", "Outcome", "RequestContext", "append"]
