"""A list of words or phrases as one regular-expression alternation, factored as a trie.

Python's `re` tries the branches of `a|b|c` one after another at every position, so a
60-word list costs 60 failed comparisons wherever none of them starts. Factored by common
prefixes ("t(?:wo|hree|en)" rather than "two|three|ten"), each position costs one
comparison per distinct first letter instead: recognisers scanning every message for cue
words and number words rely on it to stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""  # marks the end of a word in the trie

_Trie = dict[str, "_Trie"]


def alternation(words: Iterable[str], *, space: str = r"[ \t]+") -> str:
    """A non-capturing pattern matching exactly the given words; longest match first.

    A space inside a phrase matches `space` (any run of blanks by default), so "my name
    is" also matches "my  name is".
    """
    trie: _Trie = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _pattern(trie, space)


def _pattern(node: _Trie, space: str) -> str:
    branches = []
    for char in sorted(k for k in node if k != _END):
        piece = space if char == " " else re.escape(char)
        child = node[char]
        rest = _pattern(child, space) if any(k != _END for k in child) else ""
        if rest and _END in child:
            rest = f"(?:{rest})?"
        branches.append(piece + rest)
    if not branches:
        return ""
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
