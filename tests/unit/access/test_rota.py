"""rota.revise: what a batch of shifts does to the stored ones, worked out without a store."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from strongroom.access.rota import LISTED, Revision, Stored, details, revise


def _h(hour: int) -> str:
    return f"2026-11-24T{hour:02d}:00:00.000000Z"  # the store's stamps sort as times


@dataclass(frozen=True)
class New:
    actor: str
    start: str
    end: str
    site: str


def _new(a: int, b: int, site: str = "lis-1", actor: str = "pat") -> New:
    return New(actor, _h(a), _h(b), site)


def _stored(a: int, b: int, site: str = "lis-1", actor: str = "pat") -> Stored:
    return Stored(actor, _h(a), _h(b), site)


def test_a_shift_inside_a_stored_one_cuts_it_in_two() -> None:
    s = _stored(8, 18)
    assert revise([s], [_new(12, 14, "por-2")]) == [
        Revision(s, ((_h(8), _h(12)), (_h(14), _h(18))))
    ]


def test_a_shift_over_the_end_of_a_stored_one_keeps_its_start() -> None:
    s = _stored(8, 12)
    assert revise([s], [_new(10, 16)]) == [Revision(s, ((_h(8), _h(10)),))]


def test_a_shift_covering_a_stored_one_leaves_nothing_of_it() -> None:
    s = _stored(9, 11)
    assert revise([s], [_new(8, 12)]) == [Revision(s, ())]


def test_back_to_back_and_other_actors_are_not_revised() -> None:
    stored = [_stored(8, 12), _stored(12, 16, actor="sam")]
    assert revise(stored, [_new(12, 16), _new(4, 8)]) == []


def test_a_re_sent_shift_is_replaced_whole_and_an_identical_one_is_no_revision() -> None:
    s = _stored(8, 18)
    assert revise([s], [_new(8, 18)]) == []
    assert revise([s], [_new(8, 12)]) == [Revision(s, ())]
    assert revise([s], [_new(8, 18, "por-2")]) == [Revision(s, ())]
    # Re-sent shorter beside another new shift: replaced whole, not cut by the other.
    assert revise([s], [_new(14, 16), _new(8, 12)]) == [Revision(s, ())]


def test_one_stored_shift_cut_by_two_new_ones() -> None:
    s = _stored(6, 20)
    kept = ((_h(6), _h(8)), (_h(10), _h(12)), (_h(14), _h(20)))
    assert revise([s], [_new(12, 14), _new(8, 10)]) == [Revision(s, kept)]


def test_the_entry_lists_at_most_listed_revisions_and_counts_all() -> None:
    revisions = [Revision(_stored(1, 2, actor=f"a{i}"), ()) for i in range(LISTED + 5)]
    out = details(revisions)
    assert (out["revised"], len(out["revisions"]), out["revisions_not_listed"]) == (
        LISTED + 5,
        LISTED,
        5,
    )
    assert details([]) == {"revised": 0}


def _spans(draw: st.DrawFn, n: int) -> list[tuple[int, int]]:
    """Up to n non-overlapping [a, b) spans within the day."""
    cuts = sorted(draw(st.sets(st.integers(0, 23), max_size=2 * n)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [(a, b) for a, b in pairs if draw(st.booleans())]


@st.composite
def rotas(draw: st.DrawFn) -> tuple[list[Stored], list[New]]:
    sites = st.sampled_from(["lis-1", "por-2"])
    stored = [_stored(a, b, draw(sites)) for a, b in _spans(draw, 4)]
    new = [_new(a, b, draw(sites)) for a, b in _spans(draw, 3)]
    return stored, new


def _site_at(shifts: list[tuple[str, str, str]], hour: int) -> list[str]:
    return [site for a, b, site in shifts if a <= _h(hour) < b]


@given(rotas())
def test_after_the_batch_each_hour_is_the_batch_s_or_what_stored_said(
    rota: tuple[list[Stored], list[New]],
) -> None:
    stored, new = rota
    revised = {r.shift: r for r in revise(stored, new)}
    starts = {n.start for n in new}
    # What the store holds after `apply` and the batch's upserts (which replace a stored shift
    # with the same start, revised or identical).
    after = [
        (a, b, s.site)
        for s in stored
        if s in revised or s.start not in starts
        for a, b in (revised[s].kept if s in revised else ((s.start, s.end),))
    ] + [(n.start, n.end, n.site) for n in new]
    for hour in range(24):
        here = _site_at(after, hour)
        assert len(here) <= 1  # one person, one shift at a time
        by_batch = [n.site for n in new if n.start <= _h(hour) < n.end]
        if by_batch:
            assert here == by_batch
            continue
        was = [s for s in stored if s.start <= _h(hour) < s.end]
        if was and was[0].start not in starts:
            assert here == [was[0].site]  # kept where the batch says nothing
        else:
            assert here == []  # nothing, or the rest of a shift re-sent shorter
    for s, r in revised.items():
        assert r.kept != ((s.start, s.end),)  # a revision changes something
