"""The application: `create_app` builds it, `server_config` says how uvicorn serves it.

The app opens its instance once at startup and closes it at shutdown, and runs the live
auditor over its ledger in between (`api/live.py`). The services are synchronous: routes that
read customer data hand them to `work.run` (on the loop for an instance of local files, else
on a worker thread); the other routes are plain `def`s that FastAPI runs in its thread pool.

Every request passes `_Edge` first. It gives the request an id (the caller's `X-Request-Id`
when it is 1-64 of `A-Z a-z 0-9 - _ .`, else a new one) and echoes it, caps the body size,
marks every response `Cache-Control: no-store` and `X-Content-Type-Options: nosniff` (and,
over TLS, `Strict-Transport-Security`), turns an error nobody planned for into a
500 problem without its text, and writes the access log line: address, method, path (never
the query string, which for a find carries a customer's value), status, time, request id and
principal. uvicorn's own access log is switched off by `server_config`, and filtered of query
strings should anyone switch it back on.
"""

from __future__ import annotations

import gc
import logging
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE

from strongroom.access import passwords
from strongroom.api import listeners, live, problems
from strongroom.api.auth import bearer_security
from strongroom.api.limits import Limits, RateSettings, serving_workers, worker_threads
from strongroom.api.routes import alerts, audit, context, dlp, grants, records, sessions, tokens
from strongroom.errors import BadInput, CannotListen, KeyUnavailable
from strongroom.instance import open_instance

MAX_BODY = 32 * 1024 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

access_log = logging.getLogger("strongroom.api.access")
uvicorn_log = logging.getLogger("uvicorn.error")  # where uvicorn says where it listens


# On every response: nothing is cached, and a body is never sniffed as another type. Over TLS
# the browser is also told to use nothing else for a year (HSTS), as scanners expect.
_ALWAYS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))
_HSTS = (b"strict-transport-security", b"max-age=31536000")
_OURS = frozenset({b"x-request-id", b"cache-control", b"x-content-type-options", _HSTS[0]})


class _BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


class _Edge:
    """Pure ASGI middleware (it never buffers a response)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = _header(scope, b"x-request-id")
        rid = given if given is not None and _REQUEST_ID.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        status = 0
        logged = False

        async def send_(message: Message) -> None:
            nonlocal status, logged
            if message["type"] == "http.response.body" and not message.get("more_body"):
                # Logged before the last byte leaves: once a caller has its answer, the line
                # is written.
                _log_access(scope, status, start, rid)
                logged = True
            elif message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers += [(b"x-request-id", rid.encode()), *_ALWAYS]
                if scope.get("scheme") == "https":
                    headers.append(_HSTS)
                message = {**message, "headers": headers}
            await send(message)

        length = _header(scope, b"content-length")
        try:
            if length is not None and length.isdigit() and int(length) > self.max_body:
                raise _BodyTooLarge(self.max_body)
            await self.app(scope, _capped(receive, self.max_body), send_)
        except _BodyTooLarge as exc:
            if status == 0:
                too_large = problems.problem(
                    problems.TOO_LARGE,
                    str(exc.detail),
                    instance=problems.path_of(scope),
                    request_id=rid,
                )
                await _respond(scope, send_, too_large)
        except Exception as exc:
            failed = problems.unexpected(problems.path_of(scope), rid, exc)
            if status == 0:
                await _respond(scope, send_, failed)
        finally:
            if not logged:
                _log_access(scope, status, start, rid)


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k.lower() == name:
            return bytes(v).decode("latin-1")
    return None


def _capped(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def receive_() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge(limit)
        return message

    return receive_


async def _respond(scope: Scope, send: Send, response: Any) -> None:
    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, nothing, send)


def _log_access(scope: Scope, status: int, start: float, rid: str) -> None:
    path = problems.path_of(scope)
    client = scope.get("client")
    principal = scope.get("state", {}).get("principal", "-")
    access_log.info(
        '%s "%s %s" %d %.1fms request_id=%s principal=%s',
        client[0] if client else "-",
        scope.get("method", "-"),
        path,
        status,
        (time.perf_counter() - start) * 1000,
        rid,
        principal,
    )


class _NoQueryStrings(logging.Filter):
    """uvicorn's access log line, should it be enabled, without the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def _quiet_uvicorn_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoQueryStrings) for f in logger.filters):
        logger.addFilter(_NoQueryStrings())


def _query_names(d: Dependant) -> frozenset[str]:
    names = {f.alias for f in d.query_params}
    for sub in d.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


def _free_form_query(route: APIRoute) -> bool:
    """A route that documents an object of query parameters (`style: form, explode: true`)
    takes names it cannot list, e.g. the find's `?email=...`."""
    extra = route.openapi_extra or {}
    return any(
        p.get("in") == "query" and p.get("schema", {}).get("type") == "object"
        for p in extra.get("parameters", [])
    )


async def known_query_only(request: Request) -> None:
    """Refuse query parameters a route does not take, so a misspelt filter is an error,
    not a silently wider answer. Raises BadInput naming the first unknown one."""
    route = request.scope.get("route")
    if not request.query_params or not isinstance(route, APIRoute) or _free_form_query(route):
        return
    known = _query_names(route.dependant)  # a walk over a few objects: not worth a cache
    for name in request.query_params:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise BadInput(
                f"unknown query parameter {name!r} (this route takes: {listed})", field=name
            )


class Health(BaseModel):
    status: str
    version: str


def create_app(
    home: Path | None = None, rates: RateSettings | None = None, *, max_body: int = MAX_BODY
) -> FastAPI:
    """The API for the instance at `home` (default: $STRONGROOM_HOME), opened at startup;
    request bodies above `max_body` bytes are refused (413). Under `serve --workers N` the
    rate limits are each worker's share (`RateSettings.shared_by`).

    Raises BadInput for rate-limit or thread settings in the environment that are not
    positive numbers.
    """
    from strongroom import __version__

    limits = Limits.from_settings((rates or RateSettings.from_env()).shared_by(serving_workers()))
    threads = worker_threads()
    watch_every = live.detect_interval()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The `def` routes, and service calls `work.run` sends off the loop, use these threads.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        inst = open_instance(home)
        app.state.instance = inst
        try:
            passwords.prime(inst.provider)
        except KeyUnavailable as exc:  # served anyway: key operations answer 503 meanwhile
            uvicorn_log.warning("the key provider is unavailable at start: %s", exc.message)
        if watch_every > 0:
            live.load_detectors()
        # What exists once the app is up (modules, the policy, routes) lives as long as the
        # process: moved out of the collector's sight, a full collection no longer walks it
        # (a ~35 ms pause every few thousand requests before).
        gc.collect()
        gc.freeze()
        try:
            # The live auditor judges the ledger in the background; cancelled at shutdown
            # after the round under way, before the instance closes.
            async with anyio.create_task_group() as tasks:
                if watch_every > 0:
                    tasks.start_soon(live.keep_watching, inst, watch_every)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            inst.close()

    app = FastAPI(
        title="Strongroom",
        version=__version__,
        summary="A BPO's customer data, encrypted per client; every use recorded.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(known_query_only)],
    )
    app.state.limits = limits
    problems.install(app)
    for module in (sessions, records, tokens, context, grants, audit, alerts, dlp):
        app.include_router(module.router)

    @app.get("/v1/health", tags=["health"], responses=problems.PUBLIC)
    def health() -> Health:
        """Liveness; needs no token and touches no data."""
        return Health(status="ok", version=__version__)

    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.as_problem_json(bearer_security(app.routes, plain()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(_Edge, max_body=max_body)
    _quiet_uvicorn_access_log()
    return app


APP_FACTORY = "strongroom.api.app:create_app"
"""What each worker process imports and calls (`create_app()`: the instance at $STRONGROOM_HOME)."""


# TLS 1.2 suites the server offers: forward-secret key exchange and AEAD only (uvicorn's
# default (OpenSSL's) also offers CBC suites such as ECDHE-ECDSA-AES256-SHA384, which scanners
# rightly flag). TLS 1.3's suites are all AEAD and are not set by this string; Python's
# server context already refuses TLS 1.0 and 1.1.
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


def server_config(
    app: FastAPI | str,
    *,
    host: str,
    port: int,
    tls: tuple[Path, Path] | None,
    log_config: dict[str, Any] | None = None,
    workers: int = 1,
) -> uvicorn.Config:
    """How uvicorn serves the app: TLS unless `tls` is None (1.2 with `TLS12_CIPHERS`, or
    1.3); no access log of its own (the app writes one without query strings); no `Server`
    header; the client address as the socket reports it (forwarding headers are not
    believed). Several `workers` need `app` as
    an import string of a factory (`APP_FACTORY`): each process builds its own."""
    cert, key = tls if tls is not None else (None, None)
    if workers > 1 and not isinstance(app, str):
        raise ValueError("several workers need the app as an import string (APP_FACTORY)")
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        workers=workers,
        host=host,
        port=port,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
        ssl_ciphers=TLS12_CIPHERS,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_config=log_config,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


def run_server(conf: uvicorn.Config) -> None:
    """Serve until stopped: in this process, or in `conf.workers` processes under uvicorn's
    supervisor (which restarts a worker that dies), each listening on a socket of its own
    (`api/listeners.py`), so the kernel spreads connections over them.

    Python runs one request's code at a time per process, so one process uses one core;
    workers use the rest. They share the stores, the ledger (appends are serialised by the
    database) and the live auditor's cursor; each enforces its share of the rate limits
    (`api/limits.py`), and only one of them at a time runs the live auditor (`api/live.py`).

    Raises CannotListen when the address cannot be taken, or when the server (a worker) did
    not start: uvicorn then logs why and returns, and `serve` would otherwise exit 0."""
    if conf.workers > 1:
        from uvicorn.supervisors import Multiprocess

        supervisor = Multiprocess(conf, sockets=[_held(conf)])
        supervisor.run()
        started = all(p.exitcode != STARTUP_FAILURE for p in supervisor.processes)
    else:
        server = uvicorn.Server(conf)
        try:
            server.run()
        except SystemExit as exc:  # uvicorn's own exit when the app fails to start
            if exc.code != STARTUP_FAILURE:
                raise
        started = server.started
    if not started:
        raise CannotListen("the server did not start: see the log above")


def _held(conf: uvicorn.Config) -> socket.socket:
    """The address for `conf.workers` processes: held for sockets of their own on Linux
    (`listeners`), else uvicorn's one shared socket. Raises CannotListen."""
    if not listeners.supported():
        return conf.bind_socket()
    sock = listeners.hold(conf.host, conf.port)
    scheme = "https" if conf.is_ssl else "http"
    host = f"[{conf.host}]" if ":" in conf.host else conf.host
    uvicorn_log.info(
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit); a listening socket per worker",
        scheme,
        host,
        sock.getsockname()[1],
    )
    return sock
