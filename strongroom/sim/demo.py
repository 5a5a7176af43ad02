"""The tour `make run` shows: every vault capability once, on synthetic data."""

from __future__ import annotations

import json
from collections.abc import Callable

from strongroom.access import Principal
from strongroom.errors import StrongroomError
from strongroom.instance import Instance
from strongroom.sim.customers import SPEC_YAML, customers
from strongroom.vault import keys, records, tenants, tokens
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import parse_spec

TENANT = "demo-bank"
COUNT = 300


def tour(inst: Instance, who: Principal, say: Callable[[str], None]) -> None:
    step = iter(range(1, 100))

    def show(text: str) -> None:
        say(f"[{next(step)}] {text}")

    show(f"instance at {inst.home} (root key: {inst.provider.name})")
    # Each run gets a tenant of its own, so a second `make run` tells the same story.
    existing = {t.spec.tenant for t in tenants.list_all(inst, who)}
    tenant = next(
        t for t in (TENANT, *(f"{TENANT}-{n}" for n in range(2, 10_000))) if t not in existing
    )
    spec = parse_spec(SPEC_YAML.format(tenant=tenant, name="Demo Bank"), "demo-spec.yaml")
    tenants.create(inst, who, spec)
    show(f"created tenant {tenant} with fields {', '.join(f.name for f in spec.fields)}")
    rows = list(customers(COUNT, seed=11, prefix="demo"))
    try:
        res = records.put(inst, who, tenant, from_dicts(rows, "demo"), "demo")
        show(f"stored {res.created} new and {res.updated} updated synthetic records")
    except StrongroomError as exc:
        show(f"could not store the demo records: {exc.message}")
        return
    first = rows[0]["id"]
    masked = records.get(inst, who, tenant, first)
    show(f"masked view of {first}: {json.dumps(masked.fields)}")
    card = records.reveal(inst, who, tenant, first, "card_number", "demo: confirm refund card")
    show(
        f"revealed card_number of {first} for a stated purpose: ends {card[-4:]} "
        f"(full value returned to the caller, not printed here)"
    )
    found = records.find(inst, who, tenant, "email", rows[1]["email"].upper())
    show(f"find by email (typed in upper case) matched {[r.subject for r in found]}")
    token = tokens.tokenize(inst, who, tenant, "CREDIT_CARD", card)
    show(
        f"token for that card: {token} (same length, same last four, fails Luhn); "
        f"stored token: {masked.tokens.get('card_number')}"
    )
    back = tokens.detokenize(inst, who, tenant, token, "demo: settle chargeback")
    show(f"detokenize gives the card back: {back == card}")
    rot = keys.rotate(inst, who, tenant, rewrap=True)
    show(
        f"rotated keys: version {rot.old_version} -> {rot.new_version}, "
        f"re-wrapped {rot.rewrapped_subject_keys} subject keys and {rot.rewrapped_tokens} tokens"
    )
    again = records.reveal(inst, who, tenant, first, "card_number", "demo: check after rotation")
    show(f"after rotation the card still reveals: {again == card}")
    victim = rows[2]["id"]
    records.erase(inst, who, tenant, victim)
    try:
        records.reveal(inst, who, tenant, victim, "email", "demo: after erasure")
    except StrongroomError as exc:
        show(f"erased {victim}; reveal now fails: {exc.message}")
    done = keys.rotate(inst, who, tenant, retire=True)
    show(
        f"retired key versions {', '.join(map(str, done.retired_versions))} after re-wrapping "
        f"{done.rewrapped_subject_keys} subject keys under version {done.new_version}: "
        f"{victim}'s key in older copies of the key store no longer opens under the live keyset"
    )
