"""What a recogniser finds, as substrings of the text: the shape of every recogniser table."""

from __future__ import annotations

from strongroom.dlp.recognizers.interface import Recognizer


def found(recognizer: Recognizer, text: str) -> list[str]:
    """The substrings of `text` the recogniser reports, in text order."""
    return [text[f.start : f.end] for f in sorted(recognizer.find(text), key=lambda f: f.start)]
