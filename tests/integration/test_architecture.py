"""Rules of the house that code review alone would miss."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import strongroom
from strongroom.store import migrate
from strongroom.store.engine import open_engine
from strongroom.store.tables import data, keys

PACKAGE = Path(strongroom.__file__).parent
OPENERS = {
    "decrypt",
    "unseal",
    "unseal_fields",
    "unwrap",
    "unwrap_keyset",
    "reveal_token",
    "data_key",
    "data_keys",
}
PRIMITIVE_MODULES = ("tink", "cryptography.hazmat.primitives.ciphers", "pkcs11")


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (p, ast.parse(p.read_text(), str(p)))
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts
    ]


def _inside(path: Path, *packages: str) -> bool:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] in packages


def test_no_module_outside_vault_and_crypto_calls_a_decrypt() -> None:
    offenders = []
    for path, tree in _modules():
        if _inside(path, "vault", "crypto"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                if name in OPENERS:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} calls {name}")
    assert offenders == []


def test_the_check_above_can_fail() -> None:
    tree = ast.parse("key.unseal(blob, binding)\n")
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    assert isinstance(call.func, ast.Attribute) and call.func.attr in OPENERS


def test_only_crypto_imports_cipher_libraries() -> None:
    offenders = []
    for path, tree in _modules():
        if _inside(path, "crypto"):
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith(PRIMITIVE_MODULES):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


LAYERS = {
    "crypto": 0,
    "store": 0,
    "config": 0,
    "errors": 0,
    "instance": 0,
    "audit": 1,
    "access": 2,
    "vault": 2,
    "detect": 2,
    "dlp": 2,
    "sim": 2,
    "cli": 3,
    "api": 3,
}


def test_imports_point_down_only() -> None:
    offenders = []
    for path, tree in _modules():
        rel = path.relative_to(PACKAGE).parts
        own = rel[0].removesuffix(".py")
        if own not in LAYERS:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("strongroom.")
            ):
                target = node.module.split(".")[1]
                if target in LAYERS and LAYERS[target] > LAYERS[own]:
                    offenders.append(f"{'/'.join(rel)} imports {node.module}")
    assert offenders == []


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize(("kind", "metadata"), [("data", data), ("keys", keys)])
def test_migrations_build_exactly_the_tables_the_code_queries(
    tmp_path: Path, kind: str, metadata: object
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine, kind)
    with engine.begin() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "version_table": f"alembic_version_{kind}",
                # Expression indexes on the ledger body are dialect SQL, made by migration 0004.
                "include_name": lambda name, type_, _parent: (
                    not (type_ == "index" and str(name).startswith("ix_audit_json_"))
                ),
            },
        )
        diff = compare_metadata(ctx, metadata)  # type: ignore[arg-type]
    assert diff == []


@pytest.mark.parametrize("kind", ["data", "keys"])
def test_heads_constant_matches_the_migration_scripts(kind: str) -> None:
    from alembic.script import ScriptDirectory

    assert (
        ScriptDirectory.from_config(migrate.alembic_config(kind)).get_current_head()
        == (migrate.HEADS[kind])
    )
