"""JSON lines: the entry as stored, with its ledger index."""

from __future__ import annotations

import json
from typing import Any


class JsonLines:
    name = "jsonl"

    def line(self, index: int, entry: dict[str, Any]) -> str:
        return json.dumps({"index": index, **entry}, ensure_ascii=False, sort_keys=True)
