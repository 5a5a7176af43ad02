"""One module per noun; each route parses, calls one service function and renders.

The path parameters several nouns share are typed here once, with the patterns the vault
itself enforces, so the OpenAPI document states them exactly.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from strongroom.vault.intake import SUBJECT_ID
from strongroom.vault.spec import TENANT_ID

TenantId = Annotated[
    str, Path(pattern=TENANT_ID.pattern, description="The tenant (client) id, e.g. acme-bank.")
]
SubjectId = Annotated[
    str, Path(pattern=SUBJECT_ID.pattern, description="The record's id (the client's own).")
]
