"""The one error tree of Strongroom.

Every error a user can meet is a `StrongroomError` carrying the text that user should read.
Faces map the families to exit codes (cli/) and RFC 9457 problems (api/) in one place each;
nothing below the faces decides how an error is shown. Third-party errors are wrapped where
they enter (`raise ... from exc`), so no caller above `store/` or `crypto/` sees a driver or
library exception.
"""

from __future__ import annotations

from dataclasses import dataclass


class StrongroomError(Exception):
    """Root of every error Strongroom raises on purpose; `message` is for the user."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.kind, "message": self.message}


@dataclass(frozen=True)
class Location:
    """Where bad input was found: the file, the line (1-based) and the field, when known."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


class BadInput(StrongroomError):
    """The caller sent something invalid; nothing was stored. Exit 2, HTTP 400/422."""

    kind = "bad-input"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.location = Location(file, line, field)
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message

    def to_dict(self) -> dict[str, object]:
        d = super().to_dict()
        d.update(
            {"file": self.location.file, "line": self.location.line, "field": self.location.field}
        )
        return d


class Denied(StrongroomError):
    """The policy refused; `condition` names what was not met. HTTP 403."""

    kind = "denied"

    def __init__(self, message: str, *, condition: str, policies: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.condition = condition
        self.policies = policies

    def to_dict(self) -> dict[str, object]:
        d = super().to_dict()
        d.update({"condition": self.condition, "policies": list(self.policies)})
        return d


class Unauthenticated(StrongroomError):
    """No valid credentials: wrong password or code, expired or revoked session, locked or
    disabled principal. The message never says which, so it cannot be used to probe. HTTP 401."""

    kind = "unauthenticated"


class PasswordChangeRequired(Denied):
    """The password and code were right, but the password was set at enrolment or reset and
    must be replaced first (sign in again with a new one): a refusal whose unmet condition is
    `password-change`, decided by the identity rules, not the policy file. HTTP 403."""

    kind = "password-change-required"

    def __init__(self, message: str) -> None:
        super().__init__(message, condition="password-change", policies=("identity",))


class RateLimited(StrongroomError):
    """Too many requests from one principal; `retry_after` in seconds. HTTP 429."""

    kind = "rate-limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(StrongroomError):
    kind = "not-found"


class Erased(NotFound):
    """The subject was erased (crypto-shredded): its data can never be read again."""

    kind = "erased"


class Conflict(StrongroomError):
    kind = "conflict"


class TamperDetected(StrongroomError):
    kind = "tamper-detected"


class KeyUnavailable(StrongroomError):
    """A key could not be used: missing, wrong PIN, HSM absent, or a ciphertext that does not
    open under it (which is how a moved or altered ciphertext shows itself)."""

    kind = "key-unavailable"


class StoreUnavailable(StrongroomError):
    """The database could not be reached or refused the operation; nothing was committed."""

    kind = "store-unavailable"


class CannotListen(StrongroomError):
    """`serve` could not take its address (in use, not this machine's, not allowed) or did
    not start; met only by the CLI."""

    kind = "cannot-listen"


class NotInitialised(StrongroomError):
    kind = "not-initialised"
