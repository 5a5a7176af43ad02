"""Root-key rotation (`strongroom keys rotate-root`): how long it takes, beside the bare cost
of its cryptography, in the same run.

What is measured: an instance (SQLite stores; the key-file root key, and with `--hsm` a root
key in a SoftHSM2 token made for the run) holding `--tenants` tenants (three keysets each),
`--principals` people enrolled with a TOTP secret, and `--records` customer records in one
tenant. `rotate_root` is timed `--rounds` times (each a full rotation: stage, barrier,
re-wrap, check under the successor alone, retire; its ledger entry and checkpoint check).
The floor: the same number of secrets, each opened and wrapped again by the provider
directly (one `unwrap` and one `wrap` a secret, no store, no check): what the cryptography
alone costs. The records are there to show that rotation does not grow with them: subject
keys are wrapped by the tenant keysets, not by the root key.

Pinned to cpu 0. Output: a table on stdout and one JSON line (the last line). About 30 s
(more with --hsm: each wrap is a round trip to the token).

    python bench/rootkey.py [--tenants 50] [--principals 200] [--records 5000] [--rounds 3] [--hsm]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strongroom.access import identity, local_operator
from strongroom.config import HsmSettings
from strongroom.instance import Instance, init_instance
from strongroom.sim.customers import SPEC_YAML, customers
from strongroom.vault import keys, tenants
from strongroom.vault import records as vault_records
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import parse_spec

SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def softhsm(base: Path) -> HsmSettings:
    util = shutil.which("softhsm2-util")
    module = next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)
    if util is None or module is None:
        sys.exit("--hsm needs SoftHSM2 (apt-get install softhsm2)")
    (base / "tokens").mkdir(parents=True)
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    os.environ["BENCH_HSM_PIN"] = "246810"
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            "bench",
            "--pin",
            "246810",
            "--so-pin",
            "13579",
        ],
        check=True,
        capture_output=True,
    )
    return HsmSettings(module=module, token="bench", pin_env="BENCH_HSM_PIN")


def populate(inst: Instance, args: argparse.Namespace) -> None:
    op = local_operator()
    for i in range(args.tenants):
        tenants.create(
            inst, op, parse_spec(SPEC_YAML.format(tenant=f"t-{i:03d}", name=f"T {i}"), "spec.yaml")
        )
    for i in range(args.principals):
        identity.add_principal(inst, op, f"agent.{i:04d}", "agent", "t-000", "site-1")
    rows = list(customers(args.records, seed=5))
    for start in range(0, len(rows), 1000):
        vault_records.put(inst, op, "t-000", from_dicts(rows[start : start + 1000]))


def floor(inst: Instance, secrets: int) -> float:
    """Seconds to open and wrap again `secrets` secrets with the provider alone."""
    p = inst.provider
    blobs = [
        (p.wrap(os.urandom(160), f"ctx-{i}".encode()), f"ctx-{i}".encode()) for i in range(secrets)
    ]
    t = time.perf_counter()
    for blob, ctx in blobs:
        p.wrap(p.unwrap(blob, ctx), ctx)
    return time.perf_counter() - t


def measure(home: Path, hsm: HsmSettings | None, args: argparse.Namespace) -> dict[str, object]:
    os.environ["STRONGROOM_HOME"] = str(home)
    inst = init_instance(home, hsm=hsm)
    size = f"{args.tenants} tenants, {args.principals} people, {args.records} records"
    say(f"{inst.provider.name}: {size}")
    populate(inst, args)
    times, counts = [], {}
    for _ in range(args.rounds):
        t = time.perf_counter()
        done = keys.rotate_root(inst, local_operator())
        times.append(time.perf_counter() - t)
        counts = {
            "keysets": done.keysets,
            "totp_secrets": done.totp_secrets,
            "signing_keys": done.signing_keys,
        }
    secrets = sum(counts.values())
    floors = [floor(inst, secrets) for _ in range(args.rounds)]
    inst.close()
    rotation, bare = statistics.median(times), statistics.median(floors)
    return {
        "provider": inst.provider.name,
        "secrets": secrets,
        **counts,
        "rotation_s": round(rotation, 4),
        "floor_s": round(bare, 4),
        "per_secret_ms": round(rotation / secrets * 1000, 3),
        "floor_per_secret_ms": round(bare / secrets * 1000, 3),
        "ratio": round(rotation / bare, 1),
        "rotations_s": [round(x, 4) for x in times],
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tenants", type=int, default=50)
    ap.add_argument("--principals", type=int, default=200)
    ap.add_argument("--records", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--hsm", action="store_true", help="also with a root key in SoftHSM2")
    args = ap.parse_args()
    os.sched_setaffinity(0, {0})  # one CPU, as the other benches
    results = []
    with tempfile.TemporaryDirectory(prefix="sr-rootkey-") as tmp:
        base = Path(tmp)
        results.append(measure(base / "keyfile", None, args))
        if args.hsm:
            results.append(measure(base / "hsm", softhsm(base / "softhsm"), args))
    head = ("provider", "secrets", "rotation s", "ms/secret", "floor s", "floor ms/secret")
    print(f"{head[0]:10} " + " ".join(f"{h:>{len(h) + 2}}" for h in head[1:]) + "  ÷ floor")
    for r in results:
        print(
            f"{r['provider']:10} {r['secrets']:>9} {r['rotation_s']:>12.3f} "
            f"{r['per_secret_ms']:>11.3f} {r['floor_s']:>9.4f} "
            f"{r['floor_per_secret_ms']:>17.3f} {r['ratio']:>7.1f}x"
        )
    print(
        json.dumps(
            {
                "bench": "rootkey",
                "tenants": args.tenants,
                "principals": args.principals,
                "records": args.records,
                "rounds": args.rounds,
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
