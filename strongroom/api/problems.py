"""Errors as RFC 9457 problem details: the one place the API decides how an error is shown.

Every error response is `application/problem+json` with `type` (a URI per kind of error),
`title`, `status`, `detail`, `instance` (the request path) and `request_id`, plus the members
its kind carries: `field`, `line` and `location` for bad input, `condition` and `policies` for a
refusal, `retry_after` for a rate limit. `_KINDS` maps the error families of
`strongroom.errors` to statuses; an error nobody planned for is a 500 whose text is never sent
or logged (only its type and the frames it passed through are logged), since an exception's
message may quote a value.
"""

from __future__ import annotations

import logging
import math
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from strongroom.errors import (
    BadInput,
    Conflict,
    Denied,
    Erased,
    KeyUnavailable,
    Location,
    NotFound,
    NotInitialised,
    PasswordChangeRequired,
    RateLimited,
    StoreUnavailable,
    StrongroomError,
    TamperDetected,
    Unauthenticated,
)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://strongroom.dev/problems/"
REQUEST_ID_HEADER = "X-Request-Id"

log = logging.getLogger("strongroom.api")


@dataclass(frozen=True)
class Kind:
    status: int
    slug: str
    title: str

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug


# Looked up along the error's class hierarchy, so Erased (a NotFound) keeps its own type.
_KINDS: dict[type[StrongroomError], Kind] = {
    BadInput: Kind(400, "bad-input", "Bad input"),
    Unauthenticated: Kind(401, "unauthenticated", "Authentication required"),
    Denied: Kind(403, "denied", "Denied by policy"),
    PasswordChangeRequired: Kind(403, "password-change-required", "Password change required"),
    Erased: Kind(404, "erased", "Subject erased"),
    NotFound: Kind(404, "not-found", "Not found"),
    Conflict: Kind(409, "conflict", "Conflict"),
    RateLimited: Kind(429, "rate-limited", "Too many requests"),
    KeyUnavailable: Kind(503, "key-unavailable", "Key unavailable"),
    StoreUnavailable: Kind(503, "store-unavailable", "Store unavailable"),
    NotInitialised: Kind(503, "not-initialised", "Instance not initialised"),
    TamperDetected: Kind(500, "tamper-detected", "Tamper detected"),
    StrongroomError: Kind(500, "error", "Server error"),
}
INVALID_REQUEST = Kind(422, "invalid-request", "Request does not match the schema")
INTERNAL = Kind(500, "internal", "Internal error")
_HTTP_KINDS = {
    404: Kind(404, "not-found", "Not found"),
    405: Kind(405, "method-not-allowed", "Method not allowed"),
    413: Kind(413, "too-large", "Request body too large"),
}
TOO_LARGE = _HTTP_KINDS[413]


def kind_of(exc: StrongroomError) -> Kind:
    for cls in type(exc).__mro__:
        kind = _KINDS.get(cls)
        if kind is not None:
            return kind
    return _KINDS[StrongroomError]


class FieldError(BaseModel):
    field: str
    location: str = Field(description="body, query, path or header")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem; members beyond the five standard ones depend on `type`."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    field: str | None = None
    line: int | None = None
    location: str | None = None
    condition: str | None = None
    policies: list[str] | None = None
    retry_after: int | None = None
    errors: list[FieldError] | None = None


def problem(
    kind: Kind,
    detail: str,
    *,
    instance: str,
    request_id: str,
    headers: dict[str, str] | None = None,
    **members: Any,
) -> JSONResponse:
    body = Problem(
        type=kind.type,
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=instance,
        request_id=request_id,
        **members,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True, mode="json"),
        status_code=kind.status,
        headers={**(headers or {}), REQUEST_ID_HEADER: request_id},
        media_type=PROBLEM_JSON,
    )


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "-")


def path_of(scope: Mapping[str, Any]) -> str:
    """The request's path as sent (still percent-encoded, so a URI reference), no query."""
    raw = scope.get("raw_path") or str(scope.get("path", "")).encode()
    return bytes(raw).split(b"?", 1)[0].decode("ascii", "backslashreplace")


def from_error(request: Request, exc: StrongroomError) -> JSONResponse:
    """The problem for one of Strongroom's own errors."""
    kind = kind_of(exc)
    members: dict[str, Any] = {}
    headers: dict[str, str] = {}
    detail = exc.message
    if isinstance(exc, BadInput):
        # The API names no server-side file; the field and line say where.
        where = str(Location(None, exc.location.line, exc.location.field))
        detail = f"{where}: {exc.reason}" if where else exc.reason
        members = {"field": exc.location.field, "line": exc.location.line}
    elif isinstance(exc, Denied):
        members = {"condition": exc.condition, "policies": list(exc.policies)}
    elif isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="strongroom"'
    elif isinstance(exc, RateLimited):
        seconds = max(1, math.ceil(exc.retry_after))
        headers["Retry-After"] = str(seconds)
        members = {"retry_after": seconds}
    if kind.status >= 500:
        log.error(
            "request %s failed: %s (%s)", request_id_of(request), kind.slug, type(exc).__name__
        )
    return problem(
        kind,
        detail,
        instance=path_of(request.scope),
        request_id=request_id_of(request),
        headers=headers,
        **members,
    )


def _where(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """(field, location) of a validation error: `("body", 2, "id")` is field `2.id` in body."""
    if not loc:
        return "body", "body"
    source, rest = str(loc[0]), loc[1:]
    return (".".join(str(p) for p in rest) or source), source


def from_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A 422 problem naming every field that failed, never echoing the values sent."""
    errors = []
    for err in exc.errors():
        field, where = _where(tuple(err.get("loc", ())))
        errors.append(
            FieldError(field=field, location=where, message=str(err.get("msg", "invalid")))
        )
    if not errors:
        errors.append(FieldError(field="body", location="body", message="invalid request"))
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem(
        INVALID_REQUEST,
        f"{first.field}: {first.message}{more}",
        instance=path_of(request.scope),
        request_id=request_id_of(request),
        field=first.field,
        location=first.location,
        errors=errors,
    )


def from_http(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own errors (no route, wrong method, body too large) as problems."""
    kind = _HTTP_KINDS.get(exc.status_code)
    if kind is None:
        try:
            phrase = HTTPStatus(exc.status_code).phrase
        except ValueError:
            phrase = "Error"
        kind = Kind(exc.status_code, f"http-{exc.status_code}", phrase)
    detail = exc.detail if isinstance(exc.detail, str) else kind.title
    return problem(
        kind,
        detail,
        instance=path_of(request.scope),
        request_id=request_id_of(request),
        headers=dict(exc.headers or {}),
    )


def unexpected(instance: str, request_id: str, exc: BaseException) -> JSONResponse:
    """The 500 for an error nobody planned for: logged by type and frames, never by text."""
    # File, line and function of each frame; no source text, which could quote a literal.
    frames = "\n".join(
        f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)
    )
    log.error("request %s failed: unexpected %s\n%s", request_id, type(exc).__name__, frames)
    return problem(
        INTERNAL,
        f"an unexpected error occurred; quote request id {request_id} to the operator",
        instance=instance,
        request_id=request_id,
    )


async def _on_strongroom_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StrongroomError):  # pragma: no cover - registered for that type only
        raise exc
    return from_error(request, exc)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover
        raise exc
    return from_validation(request, exc)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HTTPException):  # pragma: no cover
        raise exc
    return from_http(request, exc)


def install(app: FastAPI) -> None:
    """Register the handlers; unexpected errors are caught by the app's edge middleware."""
    app.add_exception_handler(StrongroomError, _on_strongroom_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


_REQUEST_ID_DOC = _header("The request's id (the caller's, when sane).", {"type": "string"})
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": _header('`Bearer realm="strongroom"`', {"type": "string"})},
    429: {"Retry-After": _header("Seconds to wait.", {"type": "integer", "minimum": 1})},
}


def _problem_response(status: int, description: str) -> dict[str, Any]:
    headers = {REQUEST_ID_HEADER: _REQUEST_ID_DOC, **_HEADERS.get(status, {})}
    return {"model": Problem, "description": description, "headers": headers}


_DESCRIPTIONS = {
    400: "Bad input: `field` and `line` say where.",
    401: "No valid bearer token (sent with `WWW-Authenticate: Bearer`).",
    403: "Denied by policy: `condition` names what was not met.",
    404: "No such resource, or the subject was erased (type `.../erased`).",
    409: "Conflicts with what is stored.",
    413: "Request body too large.",
    422: "The request does not match the schema: `field` and `errors` say where.",
    429: "Too many requests: retry after `Retry-After` seconds.",
    500: "Server error (an unexpected one is reported without detail).",
    503: "A key or the store is unavailable; nothing was done.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the problems a route can answer with."""
    return {s: _problem_response(s, _DESCRIPTIONS[s]) for s in statuses}


PUBLIC = responses(400, 413, 500, 503)
STANDARD = responses(400, 401, 403, 404, 409, 413, 422, 429, 500, 503)


def as_problem_json(openapi: dict[str, Any]) -> dict[str, Any]:
    """Document error responses under `application/problem+json`, as they are sent."""
    for item in openapi.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                if str(status)[0] in "45" and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return openapi
