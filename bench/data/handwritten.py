"""Turn `dlp_handwritten.txt` (one text a line, entities marked `[[TYPE:value]]`) into the
corpus format `strongroom dlp eval` reads: {id, kind, country, text, entities}.

These texts were written by hand, apart from the corpus generator and after the recognisers
were written: a check that the scores on generated text are not the generator's templates
echoed back. After the first scoring, six labels that were wrong by the rules (an NI number
with the invalid prefix QQ, the blacklisted SSN 078-05-1120, a spoken card that fails Luhn,
titles inside PERSON spans where the corpus convention leaves them out, an agent's name left
unmarked) were corrected; no text was changed to suit the scanner.
Run: python bench/data/handwritten.py > /tmp/hand.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MARK = re.compile(r"\[\[([A-Z_]+):(.+?)\]\]")


def convert(line: str) -> tuple[str, list[dict[str, object]]]:
    text, entities, pos = "", [], 0
    for m in MARK.finditer(line):
        text += line[pos : m.start()]
        start = len(text)
        text += m.group(2)
        entities.append({"entity_type": m.group(1), "start": start, "end": len(text)})
        pos = m.end()
    return text + line[pos:], entities


def main() -> None:
    src = Path(__file__).with_name("dlp_handwritten.txt")
    for n, line in enumerate(src.read_text("utf-8").splitlines(), 1):
        text, entities = convert(line)
        sample = {
            "id": f"hand-{n}",
            "kind": "note",
            "country": "XX",
            "text": text,
            "entities": entities,
        }
        sys.stdout.write(json.dumps(sample, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
