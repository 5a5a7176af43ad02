"""The OpenAPI document says which operations need the bearer token, though the routes read
the header themselves rather than through FastAPI's `HTTPBearer`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from strongroom.api.auth import SCHEME_DOC, Bearer, Call, bearer_security, caller


def _doc() -> dict[str, object]:
    app = FastAPI()
    own = APIRouter()

    @own.get("/takes-call")
    def takes_call(call: Call) -> None: ...

    @own.get("/takes-token")
    def takes_token(token: Bearer) -> None: ...

    @own.get("/open")
    def open_() -> None: ...

    @own.get("/hidden", include_in_schema=False)
    def hidden(call: Call) -> None: ...

    guarded = APIRouter()

    @guarded.get("/guarded")
    def by_router() -> None: ...

    app.include_router(own, prefix="/v1")
    app.include_router(guarded, prefix="/v1", dependencies=[Depends(caller)])
    return bearer_security(app.routes, app.openapi())


def test_routes_that_read_the_token_require_it_and_the_others_do_not() -> None:
    doc = _doc()
    paths = doc["paths"]
    assert isinstance(paths, dict)
    secured = {p for p, ops in paths.items() if ops["get"].get("security") == [{"bearer": []}]}
    assert secured == {"/v1/takes-call", "/v1/takes-token", "/v1/guarded"}
    assert "/v1/hidden" not in paths
    assert doc["components"] == {"securitySchemes": {"bearer": SCHEME_DOC}}
