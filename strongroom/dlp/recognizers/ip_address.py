"""IP_ADDRESS: IPv4 and IPv6 addresses, as the standard library parses them.

Propose: four dotted decimals, or hex groups with at least two colons (which covers "::1",
"2001:db8::8a2e:370:7334" and "::ffff:192.0.2.1"). Validate with `ipaddress`, which rejects
octets over 255, leading zeros, times ("10:30:45") and MAC addresses. Dotted numbers that the
word before calls a version, build or release ("version 1.2.3.4") are not addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.context import is_reference

# Opens with a plain class and looks behind after it, so `re` can skip ahead in C.
_V4 = re.compile(r"[0-9](?<![\w.][0-9])\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)")
_V6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)"
)

_V6_HINT = re.compile(r":[0-9A-Fa-f]{0,4}:")
_V6_REACH = 46  # longer than any IPv6 address, "::ffff:255.255.255.255" included

SCORE = 0.95


class IpAddressRecognizer:
    """IPv4 and IPv6 addresses."""

    name = "ip_address"
    entity = "IP_ADDRESS"

    def find(self, text: str) -> Iterator[Finding]:
        if "." in text:
            for m in _V4.finditer(text):
                if _parses(m.group(), ipaddress.IPv4Address) and not is_reference(text, m.start()):
                    yield Finding(self.entity, m.start(), m.end(), SCORE, f"{self.name}/ipaddress")
        # IPv6 is looked for only around two colons close together ("::", "db8:85a3:"), which
        # `re` finds by skipping to colons; most text has none, transcripts' times a few.
        end = 0
        for hint in _V6_HINT.finditer(text):
            if hint.start() < end:
                continue  # inside the candidate already read
            window = (max(end, hint.start() - _V6_REACH), min(len(text), hint.end() + _V6_REACH))
            for m in _V6.finditer(text, *window):
                if m.start() <= hint.start() < m.end():  # the candidate this hint is part of
                    end = m.end()
                    if _parses(m.group(), ipaddress.IPv6Address):
                        yield Finding(
                            self.entity, m.start(), m.end(), SCORE, f"{self.name}/ipaddress"
                        )
                    break


def _parses(value: str, kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]) -> bool:
    try:
        kind(value)
    except ValueError:
        return False
    return True
