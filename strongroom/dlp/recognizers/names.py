"""Given names, surnames, places and common words: the lists PERSON evidence is weighed with.

Source: Faker's person providers (given names and surnames of every locale, ~70 countries),
its address providers (cities, regions, countries) and the common-word lists of its lorem
providers for the languages the BPO works in; Faker is MIT-licensed and ships all of them in
its wheel, so nothing is downloaded at run time.

Cost: importing ~170 provider modules takes ~0.2 s, too slow for every process that scans.
So the lists are flattened once into one cache file (`$XDG_CACHE_HOME/strongroom/`, else
`~/.cache/strongroom/`), keyed by the Faker installation and `FORMAT`, and later processes
read that file back in a few milliseconds. If the cache cannot be written the lists are
built in memory every time: slower, never wrong. Nothing in the cache is secret: it is a
derivative of public lists.

Every entry, and every token looked up, is `fold`ed (case-folded, accents stripped), so
"José", "JOSE" and "jose" meet.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from strongroom.errors import StrongroomError
from strongroom.files import write_whole

#: Bump when what goes into the lists changes, so old caches are rebuilt.
FORMAT = "2"

_PLACE_ATTRIBUTES = frozenset(
    {
        "cities", "city_names", "real_city_names", "countries", "states", "provinces",
        "regions", "region_names", "counties", "districts", "towns", "villages", "boroughs",
        "prefectures", "communes", "departments", "wilayas", "metro_manila_lgus",
        "luzon_provinces", "visayas_provinces", "mindanao_provinces", "metropolitan_cities",
    }
)  # fmt: skip
# English only: the words that open English sentences and are also given names ("Will").
_WORD_LOCALES = ("en_US",)
# Letters NFKD does not decompose.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ß": "ss", "æ": "ae"})


def fold(word: str) -> str:
    """Case-folded, without accents: the form names are stored and looked up in."""
    word = word.casefold()
    if word.isascii():
        return word
    word = unicodedata.normalize("NFKD", word.translate(_FOLD))
    return "".join(c for c in word if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class NameLists:
    """Folded single words; a multi-word entry ("de la Cruz") is kept as its words."""

    given: frozenset[str]
    surnames: frozenset[str]
    places: frozenset[str]
    common_words: frozenset[str]


@functools.cache
def name_lists() -> NameLists:
    """The lists, from the cache when it is current, else built (and cached) from Faker.

    Raises StrongroomError when Faker is not installed: PERSON recognition without its
    lists would silently miss most names.
    """
    root = _faker_root()
    key = _cache_key(root)
    path = _cache_path()
    cached = _read(path, key) if path is not None else None
    if cached is not None:
        return cached
    lists = build_from_faker()
    if path is not None:
        _write(path, key, lists)
    return lists


def build_from_faker() -> NameLists:
    """Flatten Faker's providers into folded word sets (slow: imports ~170 modules)."""
    given: set[str] = set()
    surnames: set[str] = set()
    places: set[str] = set()
    words: set[str] = set()
    for provider in _providers("faker.providers.person"):
        for attribute in dir(provider):
            if "kana" in attribute or "name" not in attribute:
                continue
            if "first" in attribute or "middle" in attribute:
                given.update(_words(getattr(provider, attribute)))
            elif "last" in attribute:
                surnames.update(_words(getattr(provider, attribute)))
    for provider in _providers("faker.providers.address"):
        for attribute in _PLACE_ATTRIBUTES.intersection(dir(provider)):
            # Only one-word places: "San Jose" must not make "Jose" a place.
            places.update(w for w in _words(getattr(provider, attribute)) if " " not in w)
    for locale in _WORD_LOCALES:
        module = importlib.import_module(f"faker.providers.lorem.{locale}")
        words.update(_words(getattr(module.Provider, "word_list", ())))
    # Polish surnames change with gender: Kowalski, Kowalska.
    for suffix in ("ski", "cki", "dzki"):
        surnames.update(s[:-1] + "a" for s in list(surnames) if s.endswith(suffix))
    return NameLists(frozenset(given), frozenset(surnames), frozenset(places), frozenset(words))


def _providers(package: str) -> Iterable[type]:
    import pkgutil

    base = importlib.import_module(package)
    for info in pkgutil.iter_modules(base.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        provider = getattr(module, "Provider", None)
        if isinstance(provider, type):
            yield provider


def _words(values: object) -> Iterable[str]:
    """Folded entries of a provider attribute (a tuple, list or weighted dict of strings)."""
    if not isinstance(values, (tuple, list, dict, set, frozenset)):
        return ()
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value:
            folded = fold(value)
            out.append(folded)
            if " " in folded:
                out.extend(folded.split())
    return out


def _faker_root() -> Path:
    # find_spec locates the package without importing it (importing Faker costs ~0.1 s).
    spec = importlib.util.find_spec("faker")
    if spec is None or not spec.submodule_search_locations:
        raise StrongroomError(
            "PERSON recognition needs the 'faker' package (its name lists): pip install 'faker>=30'"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _cache_key(root: Path) -> str:
    stamps = (
        (root / sub / "__init__.py").stat().st_mtime_ns
        for sub in ("", "providers/person", "providers/address", "providers/lorem")
    )
    return f"strongroom-names {FORMAT} {root} " + " ".join(map(str, stamps))


def _cache_path() -> Path | None:
    # The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None  # no home directory either: build in memory every time
    return Path(base) / "strongroom" / "names.tsv"


def _read(path: Path, key: str) -> NameLists | None:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) != 5 or lines[0] != key:
        return None
    given, surnames, places, words = (frozenset(line.split("\t")) for line in lines[1:])
    return NameLists(given, surnames, places, words)


def _write(path: Path, key: str, lists: NameLists) -> None:
    body = "\n".join(
        [key]
        + [
            "\t".join(sorted(s))
            for s in (lists.given, lists.surnames, lists.places, lists.common_words)
        ]
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, body.encode("utf-8"))  # a concurrent reader sees old or new
    except (OSError, StrongroomError):
        return  # an unwritable cache only costs the next process the build time
