"""PERSON: names found from evidence, and the capitalised words that are not names."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.person import PersonRecognizer
from tests.unit.dlp.spans import found

recognizer = PersonRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # given name + surname
        ("Maria Santos called about her refund", ["Maria Santos"]),
        ("I spoke with Anna Kowalska-Nowak yesterday", ["Anna Kowalska-Nowak"]),
        ("John A. Smith", ["John A. Smith"]),
        ("Maria de la Cruz", ["Maria de la Cruz"]),
        ("Juan Carlos García López", ["Juan Carlos García López"]),
        ("John O'Brien and Anna Kowalska", ["John O'Brien", "Anna Kowalska"]),
        ("Maria Santos's card", ["Maria Santos"]),
        ("Will Smith is on the line", ["Will Smith"]),
        ("Wojciech Wiśniewski", ["Wojciech Wiśniewski"]),
        # honorifics (not part of the name)
        ("Mr. John Smith called", ["John Smith"]),
        ("Dear Mrs Kowalska,", ["Kowalska"]),
        ("Pani Kowalska prosi o kontakt", ["Kowalska"]),
        ("Señora Rodríguez llamó", ["Rodríguez"]),
        ("Thank you Ma'am Reyes", ["Reyes"]),
        ("Dr Patel will see you", ["Patel"]),
        # cue phrases
        ("Hi, my name is Maria Santos and I need help", ["Maria Santos"]),
        ("my name is maria santos", ["maria santos"]),
        ("MY NAME IS MARIA", ["MARIA"]),
        ("name on the card is JOHN A SMITH", ["JOHN A SMITH"]),
        ("Cardholder: JOHN SMITH", ["JOHN SMITH"]),
        ("Name: Maria Santos", ["Maria Santos"]),
        ("the account holder is Tomasz Nowak", ["Tomasz Nowak"]),
        ("hola, me llamo Juan", ["Juan"]),
        ("nazywam się Katarzyna Nowak", ["Katarzyna Nowak"]),
        ("Agent: thank you for calling, this is Priya", ["Priya"]),
        ("I spoke to Priya yesterday", ["Priya"]),
        ("agent: hello this is maria santos how can i help", ["maria santos"]),
        # greetings and sign-offs
        ("Hi Maria,", ["Maria"]),
        ("Thanks Maria!", ["Maria"]),
        ("Hello Will, can you help", ["Will"]),
        ("Good morning Anna Kowalska,", ["Anna Kowalska"]),
        ("Kind regards,\nAnna Kowalska", ["Anna Kowalska"]),
        ("Pozdrawiam,\n\nTomasz", ["Tomasz"]),
        ("Cheers, Tom", ["Tom"]),
        # transcript labels and cards
        ("Customer (Maria Santos): hello", ["Maria Santos"]),
        ("[00:01:12] Agent (Anna): how can I help?", ["Anna"]),
        ("Agent Anna: hi", ["Anna"]),
        ("Maria Santos: hello", ["Maria Santos"]),
        ("JOHN SMITH", ["JOHN SMITH"]),
        ("[February 23, 2026 9:50 am] Bea:\n- card blocked", ["Bea"]),
        ("Jakub (Acme Bank): The refund is on its way", ["Jakub"]),
        ("Swati Menon: hello", ["Swati Menon"]),
        # names the lists do not know, with evidence around them
        ("Good morning, Tailspin Airways, Rhea speaking.", ["Rhea"]),
        ("Hello! Kavya here from the Contoso team", ["Kavya"]),
        ("Is there anything else I can help with, Aileen?", ["Aileen"]),
        ("thank you Swati!", ["Swati"]),
        ("Hi Marites, Tyler Harris here", ["Marites", "Tyler Harris"]),
        ("Dear Arnel Ocampo,", ["Arnel Ocampo"]),
        ("From: Mark Panganiban <mark.panganiban@gmail.com>", ["Mark Panganiban"]),
        ("it's for my mum Arnel Gatchalian, her number is", ["Arnel Gatchalian"]),
        ("Alt contact (Suresh Iyer, spouse).", ["Suresh Iyer"]),
        ("Hi, you're through to Vikram at Litware Broadband.", ["Vikram"]),
        ("This is Sanjay Gupta of Adventure Works.", ["Sanjay Gupta"]),
        ("Cx Venkatesh Joshi called re: double charge", ["Venkatesh Joshi"]),
        ("Spoke to M. Mercier, advised 3-5 working days", ["Mercier"]),
        ("Thank you, Shri Gupta.", ["Gupta"]),
        ("Best regards,\nAishwarya\nLitware Broadband Support", ["Aishwarya"]),
        ("Regards,\nLakshmi\nCustomer Relations, Adventure Works\n", ["Lakshmi"]),
    ],
)
def test_person_true_positives(text: str, expected: list[str]) -> None:
    assert found(recognizer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "May I help you?",
        "Mark the order as paid",
        "Will Visa refund it?",
        "Will you call me back?",
        "I live in Manila",
        "Our site in Krakow opens on Monday",
        "The Bogota team answers in Spanish",
        "Visa Card",
        "Customer Service",
        "Good Morning Team",
        "Best,\nThe Support Team",
        "Thank You",
        "Amazon Prime renewal",
        "Samsung Galaxy",
        "PayPal refund",
        "Happy New Year",
        "Grace Period ends in May",
        "Anna Krakow",
        "Mark Down",
        "This is Grace",
        "Hi Will you help me",
        "PLEASE HELP ME NOW",
        "File name: Report",
        "Note: call back",
        "Subject: Refund",
        "Customer: hello",
        "the customer said hello",
        "Monday June April",
        "Manila Branch",
        "Good morning, Adventure Works, how can I help?",
        "Thanks for calling Northwind Telecom.",
        "Hello, this is Acme Bank",
        "Dear Customer Service Team,",
        "Cx called re: double charge",
        "Speaker 1: hello",
        "[00:00:51] AGENT: Good morning",
    ],
)
def test_person_false_positives(text: str) -> None:
    assert found(recognizer, text) == []


def test_person_offsets_and_rule() -> None:
    text = "Hi, my name is Maria Santos."
    (finding,) = recognizer.find(text)
    assert (finding.start, finding.end) == (15, 27)
    assert finding.entity_type == "PERSON"
    assert finding.recogniser == "person/cue"


def test_overlapping_rules_merge_into_one_finding() -> None:
    # the label rule and the pair rule both see "Maria Santos"
    findings = list(recognizer.find("Customer (Maria Santos): my name is Maria Santos"))
    assert [(f.start, f.end) for f in findings] == [(10, 22), (36, 48)]
