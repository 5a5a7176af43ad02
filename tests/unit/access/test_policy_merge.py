"""`merge_default`: an older policy file gains the packaged default's rules it lacks."""

from __future__ import annotations

import pytest

from strongroom.access.cedar import DEFAULT_SOURCE, default_policy_text, parse_policy
from strongroom.access.upgrade import differing_from_default, merge_default, missing_from_default

DEFAULT = parse_policy(default_policy_text(), DEFAULT_SOURCE)


def _without(text: str, rule_id: str) -> str:
    """`text` less the policy `rule_id` (each of the default's policies ends at its first
    `;` after the @id: none has one inside a string)."""
    start = text.index(f'@id("{rule_id}")')
    return text[:start] + text[text.index(";", start) + 1 :]


@pytest.mark.parametrize("rule", [r.id for r in DEFAULT.rules])
def test_any_one_missing_rule_comes_back_and_the_result_validates(rule: str) -> None:
    older = parse_policy(_without(default_policy_text(), rule), "older.cedar")
    assert [r.id for r in missing_from_default(older)] == [rule]
    merged = merge_default(older)
    assert [r.id for r in merged.added] == [rule]
    again = parse_policy(merged.text, "merged.cedar")
    assert sorted(r.id for r in again.rules) == sorted(r.id for r in DEFAULT.rules)
    assert merged.text.startswith(older.text.rstrip("\n"))
    assert missing_from_default(again) == ()


def test_nothing_missing_is_the_same_text() -> None:
    merged = merge_default(DEFAULT)
    assert merged.text == DEFAULT.text and merged.added == ()


def test_a_rule_brings_the_comments_written_before_it_back_to_the_previous_rule() -> None:
    # forbid-other-tenant opens its section: its header is separated from it by a blank line.
    merged = merge_default(
        parse_policy(_without(default_policy_text(), "forbid-other-tenant"), "f")
    )
    tail = merged.text.split("Review them before `strongroom policy install`.", 1)[1]
    assert "// Tenancy: nothing of one tenant is ever touched from another." in tail
    assert tail.index("// Tenancy") < tail.index('@id("forbid-other-tenant")')
    assert "// The local operator" not in tail  # the previous section's comment stays there


def test_the_first_rule_brings_its_own_comment_not_the_files_header() -> None:
    merged = merge_default(parse_policy(_without(default_policy_text(), "operator-allow"), "f"))
    tail = merged.text.split("Review them before `strongroom policy install`.", 1)[1]
    assert '@id("operator-allow")' in tail
    assert "How to read it" not in tail


def test_layout_comments_and_order_are_not_differences() -> None:
    text = default_policy_text()
    moved = (
        _without(text, "operator-allow")
        + "\n"
        + text[
            text.index('@id("operator-allow")') : text.index(
                ";", text.index('@id("operator-allow")')
            )
            + 1
        ]
    )
    relaid = moved.replace("\n", "\n\n  // a note of the officer's\n").replace(" && ", "\n  && ")
    again = parse_policy(relaid, "relaid.cedar")
    assert again.rules[-1].id == "operator-allow"  # moved to the end
    assert differing_from_default(again) == ()
    assert merge_default(parse_policy(_without(text, "vendor-under-grant"), "o")).differs == ()


@pytest.mark.parametrize(
    ("rule", "old", "new"),
    [
        # a condition loosened
        ("forbid-detokenize-outside-integration-purpose", '"chargeback", ', ""),
        # the condition the denial names
        ("forbid-other-tenant", '@condition("tenant")', '@condition("role")'),
    ],
)
def test_a_changed_rule_under_a_default_id_is_named_and_kept(rule: str, old: str, new: str) -> None:
    text = default_policy_text()
    start = text.index(f'@id("{rule}")')
    head = text.rfind("\n\n", 0, start)  # the rule's annotations start after a blank line
    end = text.index(";", start)
    assert old in text[head:end]
    edited = text[:head] + text[head:end].replace(old, new, 1) + text[end:]
    mine = parse_policy(edited, "mine.cedar")
    assert [r.id for r in differing_from_default(mine)] == [rule]
    merged = merge_default(mine)
    assert [r.id for r in merged.differs] == [rule] and merged.text == mine.text
