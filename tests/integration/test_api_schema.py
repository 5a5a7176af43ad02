"""Schemathesis against the live server's /v1/openapi.json: generated requests, valid and
invalid, with a real session token. No response may be a 5xx, and every response must be
documented: its status, content type, headers and body schema.

Run twice: under the default policy (an agent without ticket, shift or badge is refused data)
and under a policy that permits everything, so the generated requests reach the services
too. Bounded: a few examples per operation and mode, derandomised, well under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api_server import (
    TENANT,
    ApiHome,
    ApiServer,
    enrol,
    permit_everything,
    sign_in,
)

pytest_plugins = ["tests.integration.api_server"]

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# Ending the session or failing its second factor would spoil the token for what follows.
LAST = ("POST /v1/sessions/mfa", "DELETE /v1/sessions")


def _order(label: str) -> tuple[int, str]:
    return (LAST.index(label) + 1 if label in LAST else 0, label)


@pytest.mark.parametrize("policy", ["default", "permit-all"])
def test_generated_requests_get_no_5xx_and_documented_responses(
    policy: str, api_home: ApiHome, api_server: ApiServer
) -> None:
    if policy == "permit-all":
        permit_everything(api_home.home)
    token = sign_in(api_server, enrol(api_home.home, "fuzz", "agent"))
    headers = {"Authorization": f"Bearer {token}"}
    verify = str(api_server.cert)
    schema = schemathesis.openapi.from_url(f"{api_server.base_url}/v1/openapi.json", verify=verify)
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"the schema has an invalid operation: {result.err()}")
        operations.append(result.ok())
    operations.sort(key=lambda op: _order(op.label))
    assert len(operations) >= 19
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Valid requests go to the tenant that exists, to reach past "no such tenant".
            fixed = (
                {"tenant": TENANT}
                if mode is GenerationMode.POSITIVE and "{tenant}" in op.path
                else None
            )

            @given(case=op.as_strategy(generation_mode=mode, path_parameters=fixed))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def exchange(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(
                    base_url=api_server.base_url, headers=headers, checks=CHECKS, verify=verify
                )

            try:
                exchange()
            except Unsatisfiable:
                # No invalid request can be made of an operation without inputs.
                if mode is not GenerationMode.NEGATIVE:
                    raise
