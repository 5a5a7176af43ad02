"""POST /v1/sessions (sign in), POST /v1/sessions/mfa (second factor), DELETE /v1/sessions.

Sign-in and second-factor checks are limited per client address as well as per principal, so
guessing passwords or codes is slow whoever the guesser claims to be.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, SecretStr

from strongroom.access import identity
from strongroom.api import problems
from strongroom.api.auth import Bearer, Context, Inst, throttle_address

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: SecretStr = Field(min_length=1, max_length=1024)
    totp: SecretStr | None = Field(
        default=None, max_length=16, description="A current TOTP code, if enrolled."
    )
    new_password: SecretStr | None = Field(
        default=None,
        min_length=12,
        max_length=128,
        description="Replaces the password: required at the first sign-in after enrolment "
        "or a reset (a 403 of type password-change-required says so), allowed at any. "
        "At least one letter and one digit, not easy to guess (judged by zxcvbn, told your "
        "name), and not one of your last four passwords; other sessions end.",
    )


class SessionOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime
    principal: str
    role: str


class Mfa(BaseModel):
    totp: SecretStr = Field(min_length=1, max_length=16)


class PrincipalOut(BaseModel):
    id: str
    role: str
    tenant: str | None = None
    site: str | None = None
    mfa_at: datetime | None = None


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


@router.post(
    "",
    status_code=201,
    dependencies=[Depends(throttle_address)],
    responses=problems.responses(400, 401, 403, 413, 422, 429, 500, 503),
)
def sign_in(body: Login, inst: Inst, ctx: Context) -> SessionOut:
    """Sign in with a password (and a TOTP code when enrolled); returns a bearer token.
    A password set for you at enrolment or reset must be replaced: give `new_password`."""
    session = identity.login(
        inst,
        body.username,
        body.password.get_secret_value(),
        _secret(body.totp),
        ctx,
        new_password=_secret(body.new_password),
    )
    return SessionOut(
        token=session.token,
        expires_at=session.expires_at,
        principal=session.principal.id,
        role=session.principal.role,
    )


@router.post(
    "/mfa",
    dependencies=[Depends(throttle_address)],
    responses=problems.responses(400, 401, 413, 422, 429, 500, 503),
)
def second_factor(body: Mfa, token: Bearer, inst: Inst, ctx: Context) -> PrincipalOut:
    """Prove a second factor in this session (a fresh TOTP code); some actions need one."""
    p = identity.verify_mfa(inst, token, body.totp.get_secret_value(), ctx)
    return PrincipalOut(id=p.id, role=p.role, tenant=p.tenant, site=p.site, mfa_at=p.mfa_at)


@router.delete(
    "", status_code=204, response_class=Response, responses=problems.responses(401, 500, 503)
)
def sign_out(token: Bearer, inst: Inst, ctx: Context) -> Response:
    """End this session; its token is refused from now on."""
    identity.end_session(inst, token, ctx)
    return Response(status_code=204)
