"""An export format turns one ledger entry into one line for a SIEM."""

from __future__ import annotations

from typing import Any, Protocol


class Format(Protocol):
    name: str

    def line(self, index: int, entry: dict[str, Any]) -> str:
        """One line, without its newline; never a customer value (entries hold none)."""
        ...
