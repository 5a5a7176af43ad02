"""EMAIL_ADDRESS and IP_ADDRESS: tables of true and false positives."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.email import EmailRecognizer
from strongroom.dlp.recognizers.ip_address import IpAddressRecognizer
from tests.unit.dlp.spans import found

email = EmailRecognizer()
ip = IpAddressRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail maria.santos@example.com.", ["maria.santos@example.com"]),
        ("x <a.b+tag@mail.co.uk>, y", ["a.b+tag@mail.co.uk"]),
        ("józef@poczta.pl", ["józef@poczta.pl"]),
        ("first_last@sub-domain.example.travel", ["first_last@sub-domain.example.travel"]),
        ("(anna@example.org)", ["anna@example.org"]),
        ("a@b.co and c@d.io", ["a@b.co", "c@d.io"]),
        # false positives
        ("user@localhost", []),
        ("a..b@example.com", []),
        ("a@-example.com", []),
        ("a@example_b.com", []),
        ("@example.com", []),
        ("anna@", []),
        ("price 10@5.00", []),
        ("twitter @maria", []),
    ],
)
def test_email_table(text: str, expected: list[str]) -> None:
    assert found(email, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from 192.168.1.10.", ["192.168.1.10"]),
        ("ip=10.0.0.1", ["10.0.0.1"]),
        ("8.8.8.8 and 1.1.1.1", ["8.8.8.8", "1.1.1.1"]),
        ("2001:db8::8a2e:370:7334", ["2001:db8::8a2e:370:7334"]),
        ("loopback ::1 only", ["::1"]),
        ("fe80::1%eth0", ["fe80::1"]),
        ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", ["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]),
        ("::ffff:192.0.2.1", ["::ffff:192.0.2.1", "192.0.2.1"]),  # the scanner keeps the longer
        # false positives
        ("256.1.1.1", []),
        ("192.168.01.1", []),  # leading zero
        ("version 1.2.3.4", []),
        ("v1.2.3.4", []),
        ("1.2.3", []),
        ("1.2.3.4.5", []),
        ("at 10:30:45", []),
        ("00:1A:2B:3C:4D:5E", []),
        ("Agent: hello", []),
        ("15.03.2024", []),
        ("$1,234.56", []),
    ],
)
def test_ip_address_table(text: str, expected: list[str]) -> None:
    assert sorted(found(ip, text)) == sorted(expected)
