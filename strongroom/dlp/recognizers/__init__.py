"""Recognisers: one module per kind of sensitive data, each a `interface.Recognizer`.

Each proposes with a pattern and confirms with a validator before it yields a finding
(Luhn for cards typed or spoken, mod 97 for IBANs, the SSA's and HMRC's allocation rules,
libphonenumber's metadata, the `ipaddress` parser, name lists for PERSON). `scanner.py`
runs them together and resolves their overlaps; use it rather than a recogniser alone.

Beside the recognisers: `context.py` (the words before a number: "order", "account"),
`alternation.py` (word lists as fast patterns), `names.py` (the name lists and their cache)
and `person_cues.py` (the words that are evidence for or against a name).
"""

from __future__ import annotations

from strongroom.dlp.recognizers.interface import Recognizer


def default_recognizers() -> tuple[Recognizer, ...]:
    """One of each shipped recogniser, cheapest first."""
    from strongroom.dlp.recognizers.credit_card import CreditCardRecognizer
    from strongroom.dlp.recognizers.email import EmailRecognizer
    from strongroom.dlp.recognizers.iban import IbanRecognizer
    from strongroom.dlp.recognizers.ip_address import IpAddressRecognizer
    from strongroom.dlp.recognizers.person import PersonRecognizer
    from strongroom.dlp.recognizers.phone import PhoneRecognizer
    from strongroom.dlp.recognizers.spoken import SpokenCardRecognizer
    from strongroom.dlp.recognizers.uk_nino import UkNinoRecognizer
    from strongroom.dlp.recognizers.us_ssn import UsSsnRecognizer

    return (
        CreditCardRecognizer(),
        SpokenCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        UkNinoRecognizer(),
        EmailRecognizer(),
        IpAddressRecognizer(),
        PhoneRecognizer(),
        PersonRecognizer(),
    )


__all__ = ["Recognizer", "default_recognizers"]
