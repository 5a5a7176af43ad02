"""IBAN_CODE: a table of true and false positives."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.iban import IbanRecognizer
from tests.unit.dlp.spans import found

recognizer = IbanRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GB82WEST12345698765432", ["GB82WEST12345698765432"]),
        ("GB82 WEST 1234 5698 7654 32", ["GB82 WEST 1234 5698 7654 32"]),
        ("IBAN: PL61 1090 1014 0000 0712 1981 2874 thanks", ["PL61 1090 1014 0000 0712 1981 2874"]),
        ("de89 3704 0044 0532 0130 00.", ["de89 3704 0044 0532 0130 00"]),
        ("DE89-3704-0044-0532-0130-00", ["DE89-3704-0044-0532-0130-00"]),
        ("FR1420041010050500013M02606", ["FR1420041010050500013M02606"]),
        ("ES91 2100 0418 4502 0005 1332", ["ES91 2100 0418 4502 0005 1332"]),
        ("NO9386011117947", ["NO9386011117947"]),
        ("MT84MALT011000012345MTLCAST001S", ["MT84MALT011000012345MTLCAST001S"]),
        ("(NL91ABNA0417164300)", ["NL91ABNA0417164300"]),
        ("DE89370400440532013000 GB82WEST12345698765432",
         ["DE89370400440532013000", "GB82WEST12345698765432"]),
        # false positives
        ("DE89 3704 0044 0532 0130 01", []),  # mod 97
        ("GB82WEST1234569876543", []),  # a character short for GB
        ("GB82WEST123456987654321", []),  # glued to a digit
        ("xDE89370400440532013000", []),
        ("XX82WEST12345698765432", []),  # no such country
        ("PO12 3456 7890 1234 5678", []),
        ("order AB12345678901234", []),
    ],
)  # fmt: skip
def test_iban_table(text: str, expected: list[str]) -> None:
    assert found(recognizer, text) == expected


def test_iban_offsets_and_validator() -> None:
    text = "Refund to PL61 1090 1014 0000 0712 1981 2874, please."
    (finding,) = recognizer.find(text)
    assert (finding.start, finding.end) == (10, 44)
    assert finding.recogniser == "iban/mod97"
    assert finding.score == 1.0
