"""API throughput and latency beside a bare FastAPI endpoint, measured in the same run (issue 5).

What is measured, through the real server (`strongroom serve`: uvicorn, TLS with the
instance's own certificate, SQLite data and key stores) on 127.0.0.1:

- get:    masked GET /v1/tenants/{t}/records/{id}
- reveal: POST /v1/tenants/{t}/records/{id}/reveal of the card number, for a stated purpose,
          naming the ticket

each at 8 and 64 concurrent clients (keep-alive connections): requests/s, p50 and p99.

The request path is the one an agent's desktop takes: an agent principal signed in with
POST /v1/sessions (password and a TOTP code from pyotp, so its second factor is fresh), a
bearer token on every request, `X-Strongroom-Device`, `-Site` and `-Ticket` headers, and
for each subject an open `payment` ticket assigned to the agent. The records and the
tickets are stored through the API by a service account (the CRM, with an API key); the
agent's current shift at its site, its floor badge-in and its current data-protection
training through the API by a workforce integration (a service account without a tenant,
with its own API key, as the door system, the rota and the training platform would be). The
three principals are enrolled by the local operator, as `strongroom principal add` does. The
default Cedar policy decides every request on facts gathered in its transaction; every
request writes its ledger entry; checkpoints are issued as they fall due. The per-principal
rate limit is raised for the run (STRONGROOM_RATE_PER_S / STRONGROOM_RATE_BURST), since one
agent makes every request; the API's worker threads are left at their default
(STRONGROOM_API_THREADS).

The floor: a bare FastAPI app with two `async def` routes on the same paths returning fixed
bytes of the same size and content type as ours (a real response of each, captured in the
run), served by the same uvicorn settings (`server_config`) with the same TLS certificate,
in one process pinned to the same CPU, loaded by the same client with the same requests.
It has no middleware, no authentication, no policy, no store and no ledger: the gap to it
is what Strongroom itself costs per request. Cells of ours and the floor alternate.

Both servers are pinned to CPU 0; the load generator, wrk (HTTP/1.1 keep-alive over TLS,
one thread, a Lua script rotating over the record ids), is pinned to CPU 1. wrk does not
verify the certificate (loopback only; the setup's own client does).

Then, with the servers stopped and this process on CPU 0, the per-request costs of the
decision's parts, in µs (median of 5 rounds): `identity.authenticate` of the agent's session
token, `evidence.gather` for a get and for a reveal (inside one open transaction), and
`CedarPolicy.decide` on those facts (each asserted allowed), beside the whole service call
in-process (`records.get` / `records.reveal` as the agent: door, gather, decide, ledger,
keys, no HTTP), each as a share of the request's server CPU time at 64 clients
(1 / requests per second: the server saturates its one CPU).

`--workers N` runs ours (`serve --workers N`) and the floor in N processes each, on every
CPU, sharing them with wrk: the figures of a whole small machine rather than of one core.

Against the issue's figures: get >= 1,000 req/s and reveal >= 500 req/s (met only when both
concurrencies meet it), p99 < 50 ms at 64 clients, and each at least a third of the bare
endpoint's rate at both concurrencies.

Output: a table on stdout and one JSON line (the last line) with every figure. Traffic goes
to 127.0.0.1 only; the servers are stopped and the temporary instance removed on exit
(SIGTERM included). Needs wrk (Debian: apt-get install -y wrk) and two CPUs. About 100 s.

    python bench/api.py [--seconds 10] [--records 1000] [--calls 1000] [--workers 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pyotp

SERVER_CPU, CLIENT_CPU = 0, 1
HOST = "127.0.0.1"
TENANT = "bench"
SITE = "mnl-1"
DEVICE = "ws-mnl-1-0042"
AGENT = "agent-0001"
SERVICE = "crm-bench"
WORKFORCE = "workforce-bench"
FIELD = "card_number"
PURPOSE = "refund on ticket"
CLIENTS = (8, 64)
ENDPOINTS = ("get", "reveal")
RATE = "1000000"  # per principal, per second and burst, for the run
STARTUP_S = 30.0
TARGETS = {"get": 1000.0, "reveal": 500.0}  # req/s on SQLite (issue 5)
P99_MS = 50.0  # at 64 clients
SHARE_OF_BARE = 1 / 3


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def pin(cpu: int) -> None:
    """Pin this process; children started after this inherit it."""
    os.sched_setaffinity(0, {cpu})


# Servers -------------------------------------------------------------------------------------


class Server:
    """A server in its own process (pinned to the CPU this process is on when started)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT
        )

    def wait_ready(self, url: str, cert: Path) -> None:
        deadline = time.monotonic() + STARTUP_S
        with httpx.Client(verify=_ssl(cert), timeout=2) as c:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
                try:
                    if c.get(url + "/v1/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")
                time.sleep(0.1)

    def tail(self, lines: int = 30) -> str:
        self._out.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


def _ssl(cert: Path) -> ssl.SSLContext:
    """Verifies the instance's own certificate (as the integration tests' clients do)."""
    return ssl.create_default_context(cafile=str(cert))


BARE_BODIES_ENV = "STRONGROOM_BENCH_BARE_BODIES"


def run_bare(port: int, cert: Path, key: Path, bodies: Path, workers: int) -> None:
    """The floor's server (this script run with --bare-server): fixed bytes on our paths,
    in as many worker processes as ours (each builds the app with `bare_app`)."""
    from strongroom.api.app import run_server, server_config
    from strongroom.cli.serve import log_config

    os.environ[BARE_BODIES_ENV] = str(bodies)
    app: Any = bare_app() if workers == 1 else f"{Path(__file__).stem}:bare_app"
    conf = server_config(
        app, host=HOST, port=port, tls=(cert, key), log_config=log_config(), workers=workers
    )
    run_server(conf)


def bare_app() -> Any:
    """The floor: FastAPI `async def` routes returning the captured bytes of ours."""
    from fastapi import FastAPI, Response

    bodies = Path(os.environ[BARE_BODIES_ENV])
    get_body = (bodies / "get.json").read_bytes()
    reveal_body = (bodies / "reveal.json").read_bytes()
    get_type = (bodies / "get.type").read_text()
    reveal_type = (bodies / "reveal.type").read_text()
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/v1/health")
    async def health() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @app.get("/v1/tenants/{tenant}/records/{id}")
    async def get(tenant: str, id: str) -> Response:
        return Response(get_body, media_type=get_type)

    @app.post("/v1/tenants/{tenant}/records/{id}/reveal")
    async def reveal(tenant: str, id: str) -> Response:
        return Response(reveal_body, media_type=reveal_type)

    return app


# The instance and its principals -------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    home: Path
    cert: Path
    key: Path
    ids: list[str]
    token: str  # the agent's session
    get_body: bytes
    reveal_body: bytes
    get_type: str
    reveal_type: str


@dataclass(frozen=True)
class Enrolled:
    name: str
    password: str
    totp: pyotp.TOTP


def _enrol(inst: Any, name: str, role: str, tenant: str | None, site: str | None) -> Enrolled:
    from strongroom.access import identity, local_operator

    e = identity.add_principal(inst, local_operator(), name, role, tenant, site)
    if e.password is None or e.totp_uri is None:
        raise RuntimeError(f"{name} was enrolled without a password or TOTP")
    totp = pyotp.parse_uri(e.totp_uri)
    if not isinstance(totp, pyotp.TOTP):
        raise RuntimeError(f"{name}'s provisioning URI is not a TOTP one")
    return Enrolled(name, e.password, totp)


def create_instance(home: Path, n_records: int) -> tuple[list[dict[str, str]], Enrolled, str, str]:
    """Instance, tenant, and principals enrolled by the local operator: the agent, a
    workforce integration (a service account without a tenant: shifts, badges, training) and
    the CRM's service account. Returns the records to store, the agent, and the workforce's
    and the CRM's API keys."""
    from strongroom.access import identity, local_operator
    from strongroom.instance import init_instance
    from strongroom.sim.customers import SPEC_YAML, customers
    from strongroom.vault import tenants
    from strongroom.vault.spec import parse_spec

    inst = init_instance(home)
    op = local_operator()
    try:
        tenants.create(inst, op, parse_spec(SPEC_YAML.format(tenant=TENANT, name="Bench")))
        agent = _enrol(inst, AGENT, "agent", TENANT, SITE)
        identity.add_principal(inst, op, WORKFORCE, "service", None)
        workforce = identity.issue_api_key(inst, op, WORKFORCE)
        identity.add_principal(inst, op, SERVICE, "service", TENANT)
        api_key = identity.issue_api_key(inst, op, SERVICE)
    finally:
        inst.close()
    return list(customers(n_records, seed=2026)), agent, workforce, api_key


def _ok(r: httpx.Response, what: str) -> httpx.Response:
    if r.status_code not in (200, 201):
        raise RuntimeError(f"{what}: {r.status_code} {r.text[:500]}")
    return r


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def sign_in(c: httpx.Client, who: Enrolled) -> str:
    """A session token from POST /v1/sessions with the current TOTP code. It is the agent's
    first sign-in, so the password set at enrolment is replaced, as it must be."""
    from strongroom.access import passwords

    body = {
        "username": who.name,
        "password": who.password,
        "totp": who.totp.now(),
        "new_password": passwords.generate(),  # random, with the letter and digit it needs
    }
    return str(_ok(c.post("/v1/sessions", json=body), f"{who.name} sign-in").json()["token"])


def provision(
    url: str, cert: Path, rows: list[dict[str, str]], api_key: str, workforce: str
) -> None:
    """Records and tickets stored by the CRM's service account; the agent's shift, badge-in
    and training by the workforce integration (the CRM's may not post them: they name no
    tenant, and its own is a client's)."""
    now = datetime.now(UTC)
    with httpx.Client(base_url=url, verify=_ssl(cert), timeout=120) as c:
        crm = {"Authorization": f"Bearer {api_key}", "X-Strongroom-Device": "crm-1"}
        _ok(c.post(f"/v1/tenants/{TENANT}/records", json=rows, headers=crm), "store records")
        tickets = [
            {
                "ticket": f"T-{r['id']}",
                "subject": r["id"],
                "assignee": AGENT,
                "opened": iso(now - timedelta(minutes=30)),
                "kind": "payment",
            }
            for r in rows
        ]
        _ok(
            c.post(f"/v1/tenants/{TENANT}/tickets", json=tickets, headers=crm),
            "register tickets",
        )
        feeds = {"Authorization": f"Bearer {workforce}", "X-Strongroom-Device": "doors-1"}
        shift = {
            "actor": AGENT,
            "site": SITE,
            "start": iso(now - timedelta(hours=1)),
            "end": iso(now + timedelta(hours=7)),
        }
        _ok(c.post("/v1/shifts", json=[shift], headers=feeds), "record shift")
        badge = {
            "ts": iso(now - timedelta(minutes=50)),
            "actor": AGENT,
            "site": SITE,
            "zone": "floor",
            "direction": "in",
        }
        _ok(c.post("/v1/badges", json=[badge], headers=feeds), "record badge-in")
        course = {
            "actor": AGENT,
            "course": "data-protection",
            "completed": iso(now - timedelta(days=30)),
            "expires": iso(now + timedelta(days=335)),
        }
        _ok(c.post("/v1/training", json=[course], headers=feeds), "record training")


def agent_headers(token: str, subject: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "X-Strongroom-Device": DEVICE,
        "X-Strongroom-Site": SITE,
        "X-Strongroom-Ticket": f"T-{subject}",
    }


def reveal_body(subject: str) -> dict[str, str]:
    return {"field": FIELD, "purpose": f"{PURPOSE} T-{subject}", "ticket": f"T-{subject}"}


def sign_in_and_sample(
    url: str, cert: Path, agent: Enrolled, subject: str
) -> tuple[str, httpx.Response, httpx.Response]:
    """The agent's session token (its second factor fresh) and one response of each
    endpoint, checked."""
    with httpx.Client(base_url=url, verify=_ssl(cert), timeout=30) as c:
        token = sign_in(c, agent)
        path = f"/v1/tenants/{TENANT}/records/{subject}"
        got = _ok(c.get(path, headers=agent_headers(token, subject)), "masked get")
        shown = _ok(
            c.post(
                path + "/reveal", json=reveal_body(subject), headers=agent_headers(token, subject)
            ),
            "reveal",
        )
    return token, got, shown


# Load ----------------------------------------------------------------------------------------

_LUA = """
local ids = {%(ids)s}
local token = "%(token)s"
local mode = "%(mode)s"
local base = "/v1/tenants/%(tenant)s/records/"
local n = #ids
local i = 0

request = function()
  i = i + 1
  local id = ids[(i %% n) + 1]
  local ticket = "T-" .. id
  local h = {
    ["Authorization"] = "Bearer " .. token,
    ["X-Strongroom-Device"] = "%(device)s",
    ["X-Strongroom-Site"] = "%(site)s",
    ["X-Strongroom-Ticket"] = ticket,
  }
  if mode == "get" then
    return wrk.format("GET", base .. id, h)
  end
  h["Content-Type"] = "application/json"
  local body = '{"field":"%(field)s","purpose":"%(purpose)s ' .. ticket ..
    '","ticket":"' .. ticket .. '"}'
  return wrk.format("POST", base .. id .. "/reveal", h, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
    math.floor(latency.max)))
end
"""


def lua_script(path: Path, mode: str, ids: list[str], token: str) -> Path:
    path.write_text(
        _LUA
        % {
            "ids": ",".join(f'"{i}"' for i in ids),
            "token": token,
            "mode": mode,
            "tenant": TENANT,
            "device": DEVICE,
            "site": SITE,
            "field": FIELD,
            "purpose": PURPOSE,
        }
    )
    return path


@dataclass(frozen=True)
class Cell:
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 1),
            "requests": self.requests,
            "errors": self.errors,
        }


def wrk(url: str, script: Path, clients: int, seconds: float) -> Cell:
    """One wrk run (this process is on the client CPU, so wrk is too)."""
    argv = [
        "wrk",
        "-t1",
        f"-c{clients}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    d = json.loads(line[4:])
    errors = sum(d[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Cell(
        rps=d["requests"] / (d["duration_us"] / 1e6),
        p50_ms=d["p50_us"] / 1000,
        p99_ms=d["p99_us"] / 1000,
        max_ms=d["max_us"] / 1000,
        requests=d["requests"],
        errors=errors,
    )


# The decision's parts, in-process ------------------------------------------------------------


def median_us(fn: Callable[[], object], number: int) -> float:
    return statistics.median(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def decision_costs(home: Path, token: str, ids: list[str], n: int) -> dict[str, float]:
    """µs per call of authenticate, gather, decide, and the whole service call."""
    from strongroom.access import identity
    from strongroom.access.cedar import load_policy
    from strongroom.access.evidence import gather
    from strongroom.access.policy import Resource
    from strongroom.audit import RequestContext
    from strongroom.instance import open_instance
    from strongroom.store.engine import transaction
    from strongroom.vault import records

    inst = open_instance(home)
    try:
        agent = identity.authenticate(inst, token)
        subject = ids[0]
        ticket = f"T-{subject}"
        ctx = RequestContext(ip=HOST, device=DEVICE, site=SITE, ticket=ticket)
        policy = load_policy(home)
        get_res = Resource.subject(TENANT, subject)
        reveal_res = Resource.subject(TENANT, subject, (FIELD,))
        purpose = f"{PURPOSE} {ticket}"
        out: dict[str, float] = {}
        with transaction(inst.data, read_only=True) as tx:
            get_facts = gather(tx, agent, TENANT, subject, ticket, (), datetime.now(UTC))
            rev_facts = gather(
                tx, agent, TENANT, subject, ticket, ("CREDIT_CARD",), datetime.now(UTC)
            )
            out["gather_get"] = median_us(
                lambda: gather(tx, agent, TENANT, subject, ticket, (), datetime.now(UTC)), n
            )
            out["gather_reveal"] = median_us(
                lambda: gather(
                    tx, agent, TENANT, subject, ticket, ("CREDIT_CARD",), datetime.now(UTC)
                ),
                n,
            )
        for action, res, p, facts, key in (
            ("record.get", get_res, None, get_facts, "decide_get"),
            ("record.reveal", reveal_res, purpose, rev_facts, "decide_reveal"),
        ):
            d = policy.decide(agent, action, res, p, ctx, facts)
            if not d.allowed:
                raise RuntimeError(f"{action} not allowed in-process: {d.reason}")
            out[key] = median_us(partial(policy.decide, agent, action, res, p, ctx, facts), n)
        out["authenticate"] = median_us(lambda: identity.authenticate(inst, token), n)
        out["service_get"] = median_us(
            lambda: records.get(inst, agent, TENANT, subject, context=ctx), n // 2
        )
        out["service_reveal"] = median_us(
            lambda: records.reveal(inst, agent, TENANT, subject, FIELD, purpose, context=ctx),
            n // 2,
        )
        return out
    finally:
        inst.close()


# The run -------------------------------------------------------------------------------------


def setup(
    workdir: Path, n_records: int, env: dict[str, str], servers: list[Server], workers: int = 1
) -> tuple[Setup, Server, str]:
    """The instance, `strongroom serve` on it (added to `servers` at once, so it is stopped
    whatever fails next), and everything stored through the API."""
    from strongroom.crypto.tls import ensure_server_certificate

    home = workdir / "home"
    rows, agent, workforce, api_key = create_instance(home, n_records)
    cert, key = ensure_server_certificate(home)
    port = free_port()
    exe = Path(sys.executable).with_name("strongroom")
    argv = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from strongroom.cli.main import main; main()"]
    )
    ours = Server(
        "strongroom serve",
        [*argv, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
        env,
        workdir / "strongroom-serve.log",
    )
    servers.append(ours)
    url = f"https://{HOST}:{port}"
    ours.wait_ready(url, cert)
    say(f"storing {n_records} records, their tickets and the agent's context through the API")
    provision(url, cert, rows, api_key, workforce)
    ids = [r["id"] for r in rows]
    token, got, shown = sign_in_and_sample(url, cert, agent, ids[0])
    s = Setup(
        home,
        cert,
        key,
        ids,
        token,
        got.content,
        shown.content,
        got.headers["content-type"],
        shown.headers["content-type"],
    )
    return s, ours, url


def start_bare(
    workdir: Path, s: Setup, env: dict[str, str], servers: list[Server], workers: int = 1
) -> tuple[Server, str]:
    bodies = workdir / "bodies"
    bodies.mkdir()
    (bodies / "get.json").write_bytes(s.get_body)
    (bodies / "reveal.json").write_bytes(s.reveal_body)
    (bodies / "get.type").write_text(s.get_type)
    (bodies / "reveal.type").write_text(s.reveal_type)
    port = free_port()
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--bare-server",
        str(port),
        "--cert",
        str(s.cert),
        "--key",
        str(s.key),
        "--bodies",
        str(bodies),
        "--bare-workers",
        str(workers),
    ]
    bare = Server("bare FastAPI", argv, env, workdir / "bare.log")
    servers.append(bare)
    url = f"https://{HOST}:{port}"
    bare.wait_ready(url, s.cert)
    return bare, url


def server_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("STRONGROOM_DATABASE_URL", "STRONGROOM_KEYSTORE_URL")
    }
    env["STRONGROOM_HOME"] = str(home)
    env["STRONGROOM_RATE_PER_S"] = RATE
    env["STRONGROOM_RATE_BURST"] = RATE
    # The request path alone: the live auditor, which serve runs every 5 s by default, is off
    # here (`--with-watcher` keeps it on); it is measured by bench/detect.py.
    env.setdefault("STRONGROOM_DETECT_INTERVAL", "0")
    return env


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0, help="per cell (default 10)")
    ap.add_argument("--records", type=int, default=1000, help="subjects, one ticket each")
    ap.add_argument("--calls", type=int, default=1000, help="calls per timing round in-process")
    ap.add_argument(
        "--with-watcher",
        action="store_true",
        help="keep serve's live auditor on (every 5 s), as serve runs by default",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes, ours and the floor alike (default 1: both pinned to cpu 0, "
        "wrk to cpu 1; more: servers and wrk share every cpu)",
    )
    ap.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--bare-workers", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--cert", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--bodies", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_server is not None:
        run_bare(args.bare_server, args.cert, args.key, args.bodies, args.bare_workers)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    cpus = os.sched_getaffinity(0)
    if len(cpus) < 2:
        sys.exit("needs two CPUs: one for the servers, one for wrk")
    if args.workers < 1:
        sys.exit("--workers must be 1 or more")
    # One worker: servers on one cpu, wrk on another. More: everything on every cpu.
    server_cpus, client_cpus = ({SERVER_CPU}, {CLIENT_CPU}) if args.workers == 1 else (cpus, cpus)

    # SIGTERM unwinds like Ctrl-C, so the servers are stopped and the instance removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="sr-bench-api-"))
    home = workdir / "home"
    os.environ["STRONGROOM_HOME"] = str(home)
    os.environ.pop("STRONGROOM_DATABASE_URL", None)
    os.environ.pop("STRONGROOM_KEYSTORE_URL", None)
    if args.with_watcher:
        os.environ["STRONGROOM_DETECT_INTERVAL"] = "5"
    env = server_env(home)
    servers: list[Server] = []
    results: dict[tuple[str, int, str], Cell] = {}
    started = time.monotonic()
    try:
        os.sched_setaffinity(0, server_cpus)  # the servers inherit it
        say("creating the instance and starting `strongroom serve`")
        s, ours, ours_url = setup(workdir, args.records, env, servers, args.workers)
        bare, bare_url = start_bare(workdir, s, env, servers, args.workers)
        os.sched_setaffinity(0, client_cpus)  # wrk inherits it
        scripts = {m: lua_script(workdir / f"{m}.lua", m, s.ids, s.token) for m in ENDPOINTS}
        for name, url in (("ours", ours_url), ("bare", bare_url)):
            for m in ENDPOINTS:
                say(f"warming {name} {m}")
                wrk(url, scripts[m], 8, 2)
        for m in ENDPOINTS:
            for n in CLIENTS:
                for name, url in (("ours", ours_url), ("bare", bare_url)):
                    say(f"{m} x{n} clients, {name}, {args.seconds:g} s")
                    cell = wrk(url, scripts[m], n, args.seconds)
                    if cell.errors:
                        raise RuntimeError(
                            f"{name} {m} x{n}: {cell.errors} errors or non-2xx responses\n"
                            + (ours.tail() if name == "ours" else bare.tail())
                        )
                    results[(m, n, name)] = cell
        for srv in servers:
            srv.stop()
        pin(SERVER_CPU)
        say("timing the decision's parts in-process")
        costs = decision_costs(home, s.token, s.ids, args.calls)
    finally:
        for srv in servers:
            srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.monotonic() - started
    report(args, s, results, costs, elapsed)


def report(
    args: argparse.Namespace,
    s: Setup,
    results: dict[tuple[str, int, str], Cell],
    costs: dict[str, float],
    elapsed: float,
) -> None:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    label = {"get": "masked get", "reveal": "reveal"}
    print(
        f"strongroom serve (SQLite, TLS, uvicorn {loop}+{http}, "
        f"{os.environ.get('STRONGROOM_API_THREADS', '6 (default)')} API threads, live auditor "
        f"{'on, every 5 s' if args.with_watcher else 'off'}) "
        + (
            f"pinned to cpu {SERVER_CPU}; wrk (1 thread) pinned to cpu {CLIENT_CPU}; "
            if args.workers == 1
            else f"{args.workers} worker processes each (ours and bare), sharing every cpu "
            "with wrk (1 thread); "
        )
        + f"{args.seconds:g} s per cell; {len(s.ids)} subjects, one agent"
    )
    print(
        f"rate limit raised for the run: STRONGROOM_RATE_PER_S={RATE}, STRONGROOM_RATE_BURST={RATE}"
    )
    print(
        f"bare: FastAPI async routes, same bytes and content types ({len(s.get_body)} B get, "
        f"{len(s.reveal_body)} B reveal, {s.get_type}), same TLS certificate, uvicorn settings"
    )
    print(
        f"{'endpoint':<11} {'clients':>7} {'ours req/s':>11} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'bare req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'ours÷bare':>10}"
    )
    summary: dict[str, Any] = {
        "bench": "api",
        "seconds": args.seconds,
        "records": len(s.ids),
        "rate_limit_per_s": float(RATE),
        "server": f"{loop}+{http}",
        "watcher": bool(args.with_watcher),
        "workers": args.workers,
        "bytes": {"get": len(s.get_body), "reveal": len(s.reveal_body)},
    }
    for m in ENDPOINTS:
        for n in CLIENTS:
            o, b = results[(m, n, "ours")], results[(m, n, "bare")]
            ratio = o.rps / b.rps
            print(
                f"{label[m]:<11} {n:>7} {o.rps:>11,.0f} {o.p50_ms:>7.1f} {o.p99_ms:>7.1f}"
                f" {b.rps:>11,.0f} {b.p50_ms:>7.1f} {b.p99_ms:>7.1f} {ratio:>9.2f}x"
            )
            summary[f"{m}.{n}"] = {
                "ours": o.to_dict(),
                "bare": b.to_dict(),
                "ratio": round(ratio, 3),
            }
    print()
    print(f"{'per request, in-process (cpu ' + str(SERVER_CPU) + ')':<40} {'µs':>8} {'share':>7}")
    # Server cpu time per request: every worker busy (with several, wrk's share is in it too).
    per_req = {m: args.workers * 1e6 / results[(m, 64, "ours")].rps for m in ENDPOINTS}
    rows = [
        ("identity.authenticate", "authenticate", None),
        ("evidence.gather (get)", "gather_get", "get"),
        ("CedarPolicy.decide (get)", "decide_get", "get"),
        ("records.get as the agent (all of it)", "service_get", "get"),
        ("evidence.gather (reveal)", "gather_reveal", "reveal"),
        ("CedarPolicy.decide (reveal)", "decide_reveal", "reveal"),
        ("records.reveal as the agent (all of it)", "service_reveal", "reveal"),
    ]
    shares: dict[str, Any] = {}
    for text, key, which in rows:
        if which is None:
            share = " / ".join(f"{costs[key] / per_req[e]:.0%}" for e in ENDPOINTS)
        else:
            share = f"{costs[key] / per_req[which]:.0%}"
            shares[key] = round(costs[key] / per_req[which], 3)
        print(f"{text:<40} {costs[key]:>8.0f} {share:>7}")
    for m in ENDPOINTS:
        print(f"{'whole request at 64 clients (' + label[m] + ')':<40} {per_req[m]:>8.0f}")
    summary["us"] = {k: round(v, 1) for k, v in costs.items()}
    summary["us"]["request_get_64"] = round(per_req["get"], 1)
    summary["us"]["request_reveal_64"] = round(per_req["reveal"], 1)
    summary["share"] = shares
    print()
    met: dict[str, bool] = {}
    for m in ENDPOINTS:
        # Met only when every concurrency meets it.
        rates = [results[(m, n, "ours")].rps for n in CLIENTS]
        met[f"{m}_rate"] = min(rates) >= TARGETS[m]
        shown = ", ".join(f"{r:,.0f} at {n}" for r, n in zip(rates, CLIENTS, strict=True))
        print(f"{label[m]} >= {TARGETS[m]:,.0f} req/s: {verdict(met[f'{m}_rate'])} ({shown})")
        p99 = results[(m, 64, "ours")].p99_ms
        met[f"{m}_p99"] = p99 < P99_MS
        print(
            f"{label[m]} p99 < {P99_MS:g} ms at 64 clients: {verdict(met[f'{m}_p99'])} ({p99:.1f})"
        )
        low = min(results[(m, n, "ours")].rps / results[(m, n, "bare")].rps for n in CLIENTS)
        met[f"{m}_vs_bare"] = low >= SHARE_OF_BARE
        print(f"{label[m]} >= 1/3 of bare: {verdict(met[f'{m}_vs_bare'])} (lowest {low:.2f})")
    summary["met"] = met
    summary["elapsed_s"] = round(elapsed, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
