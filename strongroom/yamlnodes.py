"""YAML as people write it for Strongroom (tenant specs, policy test cases), read as composed
nodes: a node keeps its line, so every error names the line and the field, where a loaded dict
would have lost both. The one place that refuses what YAML itself lets through unsaid (a key
given twice: YAML keeps the last) or turns into a traceback (nesting past the parser's
recursion, a tag the safe loader refuses, a date that is none).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from strongroom.errors import BadInput


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def compose(text: str, file: str) -> tuple[yaml.SafeLoader, Node | None]:
    """The document's root node (None for an empty one) and the loader that composed it, which
    `construct` needs. Raises BadInput naming the file and, where the parser knows it, the
    line."""
    try:
        loader = yaml.SafeLoader(text)  # reads the first characters: a NUL is refused here
        return loader, loader.get_single_node()
    except RecursionError as exc:
        raise BadInput("not read: lists or mappings nested too deeply", file=file) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BadInput(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=file,
            line=mark.line + 1 if mark is not None else None,
        ) from exc


def keyed(
    node: Node, file: str, what: str, *, field: str | None = None, prefix: str = ""
) -> dict[str, tuple[Node, Node]]:
    """A mapping's (key node, value node) by key. Raises BadInput, naming the line, when `node`
    is not a mapping (the field `field`), when a key is not a plain name, or when a key is given
    twice (the field `prefix` + key)."""
    if not isinstance(node, MappingNode):
        raise BadInput(f"{what} must be a mapping", file=file, line=line_of(node), field=field)
    out: dict[str, tuple[Node, Node]] = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            raise BadInput(
                f"the keys of {what} are plain names", file=file, line=line_of(key), field=field
            )
        if key.value in out:
            raise BadInput(
                f"'{key.value[:40]}' is given twice in {what}",
                file=file,
                line=line_of(key),
                field=f"{prefix}{key.value[:40]}",
            )
        out[key.value] = (key, value)
    return out


def construct(loader: yaml.SafeLoader, node: Node) -> Any:
    """The value of a node as the safe loader builds it. Raises ValueError for one it refuses
    (`!!python/object`) or cannot build (a date such as 2026-13-45): tracebacks before."""
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        raise ValueError(str(exc)) from exc
    except RecursionError:  # composed, but nested past what the constructor can follow
        raise ValueError("lists or mappings nested too deeply") from None
