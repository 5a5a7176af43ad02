"""Where the API runs a service call: on the loop only for an instance of local files."""

from __future__ import annotations

import threading

import anyio
import pytest

from strongroom.api import work
from tests.conftest import Setup


def test_only_an_instance_of_local_files_runs_on_the_loop(setup: Setup) -> None:
    assert work.in_process(setup.instance) is (setup.name == "sqlite-keyfile")


def test_run_returns_the_call_and_chooses_the_thread(setup: Setup) -> None:
    async def main() -> tuple[int, threading.Thread, threading.Thread]:
        loop_thread = threading.current_thread()
        ran: list[threading.Thread] = []

        def call(a: int, *, b: int) -> int:
            ran.append(threading.current_thread())
            return a + b

        got = await work.run(setup.instance, call, 2, b=3)
        return got, loop_thread, ran[0]

    got, loop_thread, ran_on = anyio.run(main)
    assert got == 5
    assert (ran_on is loop_thread) is work.in_process(setup.instance)


def test_an_error_raised_by_the_call_reaches_the_caller(setup: Setup) -> None:
    def fail() -> None:
        raise LookupError("nope")

    async def main() -> None:
        await work.run(setup.instance, fail)

    with pytest.raises(LookupError, match="nope"):
        anyio.run(main)


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_the_app_starts_while_the_key_provider_is_away(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start-up seals the sign-in's dummy TOTP secret (`passwords.prime`); a key provider
    that is not answering then must not keep the API down: key operations answer 503."""
    from strongroom.api.app import create_app
    from strongroom.crypto.providers.keyfile import KeyFileProvider
    from strongroom.errors import KeyUnavailable

    def away(self: KeyFileProvider, plaintext: bytes, context: bytes) -> bytes:
        raise KeyUnavailable("the key provider is not answering")

    monkeypatch.setattr(KeyFileProvider, "wrap", away)
    app = create_app(setup.home)

    async def main() -> bool:
        async with app.router.lifespan_context(app):
            return app.state.instance is not None

    assert anyio.run(main)
