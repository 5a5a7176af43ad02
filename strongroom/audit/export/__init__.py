"""SIEM export formats; `FORMATS` maps the CLI's names to them."""

from strongroom.audit.export.cef import Cef
from strongroom.audit.export.interface import Format
from strongroom.audit.export.jsonl import JsonLines
from strongroom.audit.export.ocsf import Ocsf

FORMATS: dict[str, Format] = {f.name: f for f in (JsonLines(), Ocsf(), Cef())}

__all__ = ["FORMATS", "Format"]
