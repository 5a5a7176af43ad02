"""The words just before a candidate, which often say what a number is.

"order #4539 5787 6362 1486" and "IMEI 356938035643809" pass Luhn as often as any number does
(one in ten), but the word in front of them says they are not cards. Recognisers use the
preceding words only to *veto* a proposal, never to create one, so context can lower recall
on a mislabelled number but can never invent a finding.
"""

from __future__ import annotations

import re

# A word, or `#`: "order #1234" and "order no. 1234" must both expose "order".
_WORD = re.compile(r"[^\W\d_]+|#")

#: How far back (in characters) the words before a candidate are read.
WINDOW = 32

#: Words in front of a number that say it is a reference, not a card, phone or ID.
REFERENCE_WORDS: frozenset[str] = frozenset(
    {
        "order", "orders", "invoice", "inv", "tracking", "track", "ref", "reference",
        "case", "ticket", "sku", "po", "awb", "shipment", "parcel", "consignment", "booking",
        "confirmation", "conf", "transaction", "txn", "receipt", "serial", "imei", "iccid",
        "policy", "claim", "membership", "loyalty", "voucher", "coupon", "batch", "lot",
        "model", "part", "item", "product", "article", "waybill", "pedido", "factura",
        "zamówienie", "zamowienie", "faktura", "version", "ver", "build", "release",
        "firmware", "sr", "inc", "incident", "req", "request", "app", "tkt", "cs", "rma",
    }
)  # fmt: skip

#: Words in front of a number that say it is a bank account, not a phone or an ID (a card
#: number after "account" is still read as a card: Luhn and the issuer vouch for it).
ACCOUNT_WORDS: frozenset[str] = frozenset(
    {
        "account", "acct", "acc", "a", "c", "routing", "aba", "sort", "iban", "swift", "bic",
        "ifsc", "konto", "rachunek", "rachunku", "cuenta", "clabe", "nrb",
    }
)  # fmt: skip

#: Filler between a reference word and its number ("order no. is #…").
_FILLER: frozenset[str] = frozenset(
    {"#", "no", "number", "num", "is", "id", "code", "the", "a", "nr", "numer", "numero",
     "número"}
)  # fmt: skip


def words_before(text: str, start: int, count: int = 3) -> list[str]:
    """The last `count` words (lower-cased) that end at or before `start`, nearest last.

    Only the line of the candidate is read: a label on the line above says nothing.
    """
    window = text[max(0, start - WINDOW) : start]
    window = window[window.rfind("\n") + 1 :]
    return [w.lower() for w in _WORD.findall(window)[-count:]]


def is_account(text: str, start: int) -> bool:
    """True when the nearest word before `start` that is not filler names a bank account
    ("account no. 8221-334523", "routing 026009593", "A/c 0356…") or a reference."""
    for word in reversed(words_before(text, start, 4)):
        if word in _FILLER:
            continue
        return word in ACCOUNT_WORDS or word in REFERENCE_WORDS
    return False


def is_reference(text: str, start: int) -> bool:
    """True when the nearest word before `start` that is not filler names a reference.

    "order no. 1234" and "ticket #1234" are references; "card number 1234" is not. Only the
    nearest word counts, so "the order was paid with 4111 …" keeps its card.
    """
    for word in reversed(words_before(text, start, 4)):
        if word in _FILLER:
            continue
        return word in REFERENCE_WORDS
    return False
