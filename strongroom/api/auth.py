"""Who is calling and from where: the dependencies every route takes.

Every dependency is `async`, so FastAPI runs it on the event loop instead of sending each to
the thread pool (about 75 µs a hop here); `caller` reads the store through
`work.run`, which keeps it on the loop only for an instance of local files.

`caller` turns an `Authorization: Bearer` token (a session token or an API key)
into the `Principal` that `access.identity` says it belongs to, then takes one token from that
principal's rate-limit bucket, and builds the `RequestContext` the services
record: the client address as the socket reports it (no forwarding header is believed), and
the device, site and ticket the caller names in `X-Strongroom-*` headers. Nothing here logs a
token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar, cast

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security.utils import get_authorization_scheme_param
from starlette.routing import BaseRoute

from strongroom.access import Principal, identity
from strongroom.api import work
from strongroom.api.limits import Limits
from strongroom.audit import RequestContext
from strongroom.errors import BadInput, Unauthenticated
from strongroom.instance import Instance

DEVICE_HEADER = "X-Strongroom-Device"
SITE_HEADER = "X-Strongroom-Site"
TICKET_HEADER = "X-Strongroom-Ticket"
P = ParamSpec("P")
T = TypeVar("T")
_CONTEXT_VALUE = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,127}$")

SCHEME = "bearer"
# What the OpenAPI document says of the token (`bearer_security`), as FastAPI's `HTTPBearer`
# would: the routes read the header themselves (`_bearer_of`).
SCHEME_DOC: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "A session token from POST /v1/sessions, or an API key.",
}


async def instance(request: Request) -> Instance:
    return _instance(request)


def _instance(request: Request) -> Instance:
    return cast(Instance, request.app.state.instance)


def _limits(request: Request) -> Limits:
    return cast(Limits, request.app.state.limits)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


NO_TOKEN = "a bearer token is required: sign in with POST /v1/sessions"  # noqa: S105 (a message)


def _bearer_of(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`, read as FastAPI's `HTTPBearer` reads it
    (`get_authorization_scheme_param`, the scheme's case ignored), but in place: as a
    sub-dependency FastAPI would solve it on every request (~19 µs of a masked get's ~600
    in-process). Raises Unauthenticated when there is none."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(NO_TOKEN)
    return token


async def bearer_token(request: Request) -> str:
    """The bearer token. Raises Unauthenticated when there is none."""
    return _bearer_of(request)


@dataclass(frozen=True, slots=True)
class Caller:
    """What every service call of a signed-in route needs: the instance, who calls, and from
    where. One dependency instead of three (instance, principal, context), since FastAPI pays
    for each dependency it solves on every request."""

    inst: Instance
    principal: Principal
    context: RequestContext

    async def run(
        self,
        service: Callable[Concatenate[Instance, Principal, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`service(inst, principal, *args, **kwargs)`, where `work.run` says it runs."""
        return await work.run(self.inst, service, self.inst, self.principal, *args, **kwargs)


async def caller(request: Request) -> Caller:
    """Raises Unauthenticated for a missing token, or one that is unknown, expired or
    revoked; RateLimited when the principal has used up its requests; BadInput for a context
    header that is too long or not printable."""
    token = _bearer_of(request)
    inst = _instance(request)
    principal = await work.run(inst, identity.authenticate, inst, token)
    _limits(request).per_principal.take(principal.id)
    request.state.principal = principal.id
    return Caller(inst, principal, _context(request))


async def throttle_address(request: Request) -> None:
    """One token from the caller's address bucket (sign-in and second-factor checks).
    Raises RateLimited."""
    _limits(request).per_address.take(client_address(request))


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    if value is None or value == "":
        return None
    if not _CONTEXT_VALUE.match(value):
        raise BadInput(
            f"{name} must be 1-128 printable ASCII characters, not starting with a space",
            field=name,
        )
    return value


async def request_context(request: Request) -> RequestContext:
    """Raises BadInput for a context header that is too long or not printable."""
    return _context(request)


def _context(request: Request) -> RequestContext:
    return RequestContext(
        ip=client_address(request),
        device=_header(request, DEVICE_HEADER),
        site=_header(request, SITE_HEADER),
        ticket=_header(request, TICKET_HEADER),
    )


def takes_bearer(dependant: Dependant) -> bool:
    """True when the route reads the bearer token (`caller`, `bearer_token`), at any depth."""
    return any(
        d.call is caller or d.call is bearer_token or takes_bearer(d)
        for d in dependant.dependencies
    )


def bearer_security(routes: Sequence[BaseRoute], doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with every operation of a route that reads the bearer token requiring it, and
    the scheme described, as FastAPI writes them for an `HTTPBearer` dependency. Routes are
    taken as included (a router's own dependencies count; hidden routes are skipped)."""
    for ctx in iter_route_contexts(routes):
        if not isinstance(ctx.original_route, APIRoute) or not ctx.include_in_schema:
            continue
        if not takes_bearer(ctx.dependant):
            continue
        operations = doc.get("paths", {}).get(ctx.path_format, {})
        for method in ctx.methods or ():
            if method.lower() in operations:
                operations[method.lower()]["security"] = [{SCHEME: []}]
    doc.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = SCHEME_DOC
    return doc


Inst = Annotated[Instance, Depends(instance)]
Bearer = Annotated[str, Depends(bearer_token)]
Context = Annotated[RequestContext, Depends(request_context)]
Call = Annotated[Caller, Depends(caller)]
