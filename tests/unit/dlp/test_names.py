"""The name lists: folding, the cache file and its invalidation."""

from __future__ import annotations

from pathlib import Path

import pytest

from strongroom.dlp.finding import ENTITIES
from strongroom.dlp.recognizers import default_recognizers, names
from strongroom.dlp.recognizers.interface import Recognizer
from strongroom.dlp.recognizers.names import NameLists, fold


@pytest.mark.parametrize(
    ("word", "folded"),
    [("José", "jose"), ("JOSE", "jose"), ("Michał", "michal"), ("Łódź", "lodz"),
     ("Wiśniewska", "wisniewska"), ("Nguyễn", "nguyen"), ("Straße", "strasse"),
     ("Søren", "soren"), ("O'Brien", "o'brien")],
)  # fmt: skip
def test_fold_ignores_case_and_accents(word: str, folded: str) -> None:
    assert fold(word) == folded


def test_lists_know_the_bpos_names_and_places() -> None:
    lists = names.name_lists()
    for given in ("maria", "anna", "wojciech", "priya", "jose", "katarzyna"):
        assert given in lists.given
    for surname in ("santos", "kowalska", "kowalski", "nowak", "garcia", "patel", "reyes"):
        assert surname in lists.surnames
    assert "krakow" in lists.places
    assert "will" in lists.common_words


def test_cache_round_trip_and_stale_key(tmp_path: Path) -> None:
    lists = NameLists(
        given=frozenset({"maria", "jose"}),
        surnames=frozenset({"santos"}),
        places=frozenset({"manila"}),
        common_words=frozenset({"will"}),
    )
    path = tmp_path / "strongroom" / "names.tsv"
    names._write(path, "key-1", lists)
    assert names._read(path, "key-1") == lists
    assert names._read(path, "key-2") is None  # another Faker: rebuild
    path.write_text("garbage", encoding="utf-8")
    assert names._read(path, "key-1") is None


def test_cache_lives_under_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert names._cache_path() == tmp_path / "strongroom" / "names.tsv"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert names._cache_path() == tmp_path / ".cache" / "strongroom" / "names.tsv"


def test_every_shipped_recogniser_is_a_recognizer_of_a_known_entity() -> None:
    shipped = default_recognizers()
    for recognizer in shipped:
        assert isinstance(recognizer.name, str)
        assert recognizer.entity in ENTITIES
        checked: Recognizer = recognizer
        assert list(checked.find("")) == []
    assert {r.entity for r in shipped} == set(ENTITIES)
