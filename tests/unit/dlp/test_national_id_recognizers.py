"""US_SSN and UK_NINO: tables of true and false positives."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.uk_nino import UkNinoRecognizer, is_nino_prefix
from strongroom.dlp.recognizers.us_ssn import UsSsnRecognizer, is_ssn
from tests.unit.dlp.spans import found

ssn = UsSsnRecognizer()
nino = UkNinoRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 536-22-1234", ["536-22-1234"]),
        ("ssn: 536 22 1234.", ["536 22 1234"]),
        ("my social security number is 536221234", ["536221234"]),
        ("SSN#536221234", ["536221234"]),
        ("123-45-6789", ["123-45-6789"]),
        # false positives
        ("536221234", []),  # plain nine digits without a cue
        ("order 536221234", []),
        ("000-12-3456", []),
        ("666-12-3456", []),
        ("900-12-3456", []),
        ("999-12-3456", []),
        ("536-00-1234", []),
        ("536-22-0000", []),
        ("111-11-1111", []),
        ("078-05-1120", []),
        ("219-09-9999", []),
        ("536-22 1234", []),  # mixed separators
        ("2024-03-15", []),
        ("tel 536-22-12345", []),
        ("1536-22-1234", []),
        ("536-22-1234.5", []),
    ],
)
def test_us_ssn_table(text: str, expected: list[str]) -> None:
    assert found(ssn, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NI number AB 12 34 56 C", ["AB 12 34 56 C"]),
        ("AB123456C", ["AB123456C"]),
        ("nino: ab123456c.", ["ab123456c"]),
        ("JG 123456 A", ["JG 123456 A"]),
        ("(CE123456D)", ["CE123456D"]),
        # false positives
        ("QQ123456C", []),  # HMRC's example: Q is never a first letter
        ("DA123456A", []),
        ("AO123456A", []),  # O is never a second letter
        ("GB123456A", []),
        ("BG123456A", []),
        ("ZZ123456A", []),
        ("AB123456E", []),  # suffix is A-D
        ("AB12345C", []),
        ("XAB123456C", []),
        ("AB123456CD", []),
        ("AB 12 34 56 Call me", []),
    ],
)
def test_uk_nino_table(text: str, expected: list[str]) -> None:
    assert found(nino, text) == expected


def test_ssn_rules() -> None:
    assert is_ssn("536", "22", "1234")
    assert not is_ssn("666", "22", "1234")
    assert not is_ssn("936", "22", "1234")


def test_nino_prefix_rules() -> None:
    assert is_nino_prefix("AB")
    assert not is_nino_prefix("TN")
    assert not is_nino_prefix("FA")
    assert not is_nino_prefix("AV")


def test_national_id_findings_record_rules() -> None:
    (s,) = ssn.find("SSN 536-22-1234")
    (n,) = nino.find("AB 12 34 56 C")
    assert (s.start, s.end, s.recogniser) == (4, 15, "us_ssn/ssa")
    assert (n.start, n.end, n.recogniser) == (0, 13, "uk_nino/hmrc")
