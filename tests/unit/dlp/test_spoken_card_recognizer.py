"""CREDIT_CARD read aloud in transcripts."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.spoken import SpokenCardRecognizer, digits_of
from tests.unit.dlp.spans import found

recognizer = SpokenCardRecognizer()

SPOKEN_VISA = "four one one one, one one one one, one one one one, one one one one"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Customer: it's {SPOKEN_VISA}. Agent: thank you", [SPOKEN_VISA]),
        ("FOUR ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE",
         ["FOUR ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE ONE"]),
        ("four one one one uh double one one one triple one one one one one one",
         ["four one one one uh double one one one triple one one one one one one"]),
        ("four oh one two 8888 8888 1881", ["four oh one two 8888 8888 1881"]),
        ("four zero one two, eight eight eight eight, eight eight eight eight, one eight eight "
         "one",
         ["four zero one two, eight eight eight eight, eight eight eight eight, one eight eight "
          "one"]),
        ("forty one eleven eleven eleven eleven eleven eleven eleven",
         ["forty one eleven eleven eleven eleven eleven eleven eleven"]),
        ("cuatro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno",
         ["cuatro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno"]),
        ("cztery jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden "
         "jeden jeden",
         ["cztery jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden jeden "
          "jeden jeden"]),
        # false positives
        ("four one one one, one one one one, one one one one, one one one two", []),  # Luhn
        ("my phone is oh nine one seven one two three four five six seven", []),
        ("one moment, two minutes, three days", []),
        ("4111 1111 1111 1111", []),  # typed digits only: the typed recogniser's
        ("O 4011 3333 3445 7789 O", []),  # letters around typed digits are not zeros
        ("order number four one one one one one one one one one one one one one one one", []),
    ],
)  # fmt: skip
def test_spoken_card_table(text: str, expected: list[str]) -> None:
    assert found(recognizer, text) == expected


def test_spoken_card_offsets_start_and_end_on_words() -> None:
    text = f"Customer: it's {SPOKEN_VISA}. Agent: thank you"
    (finding,) = recognizer.find(text)
    assert text[finding.start : finding.end] == SPOKEN_VISA
    assert finding.recogniser == "spoken_card/luhn"


@pytest.mark.parametrize(
    ("token", "digits"),
    [("four", "4"), ("oh", "0"), ("O", "0"), ("double four", "44"), ("triple zero", "000"),
     ("Treble-nine", "999"), ("double 4", "44"), ("forty one", "41"), ("forty-one", "41"),
     ("twenty", "20"), ("eleven", "11"), ("4111", "4111"), ("pięć", "5"), ("cero", "0")],
)  # fmt: skip
def test_digits_of_spoken_tokens(token: str, digits: str) -> None:
    assert digits_of(token) == digits
