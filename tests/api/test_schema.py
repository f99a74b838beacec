"""The OpenAPI schema, the docs page, and schemathesis against the live HTTP server."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import keys
from api.models import RateLimitSetting
from tests.api.conftest import ALL_SCOPES

OPERATIONS = {("GET", "/api/v1/contacts"), ("POST", "/api/v1/contacts"),
              ("GET", "/api/v1/contacts/{contact_id}"), ("PATCH", "/api/v1/contacts/{contact_id}"),
              ("DELETE", "/api/v1/contacts/{contact_id}"), ("GET", "/api/v1/sequences"),
              ("GET", "/api/v1/sequences/{sequence_id}"),
              ("POST", "/api/v1/sequences/{sequence_id}/execute"), ("GET", "/api/v1/responses"),
              ("GET", "/api/v1/responses/{response_id}")}


def test_schema_lists_every_operation_with_its_security_and_envelopes(public_client):
    response = public_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    found = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    assert found == OPERATIONS
    assert set(schema["components"]["securitySchemes"]) == {"ApiKeyHeader", "BearerAuth"}
    execute = schema["paths"]["/api/v1/sequences/{sequence_id}/execute"]["post"]
    assert "sequences:execute" in execute["description"]
    assert {"200", "400", "401", "403", "404", "413", "429"} <= set(execute["responses"])
    assert "Retry-After" in execute["responses"]["429"]["headers"]
    contacts = schema["components"]["schemas"]["ExecuteRequest"]["properties"]["contacts"]
    assert (contacts["minItems"], contacts["maxItems"]) == (1, 100)


def test_docs_page_renders_without_external_assets(public_client, client_a):
    for client in (public_client, client_a):
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/api/v1/sequences/{sequence_id}/execute" in html and "sequences:execute" in html
        assert "cdn" not in html.lower() and "<script" not in html


@pytest.fixture(scope="module")
def live_api(http_server, django_db_blocker):
    """A committed org with an all-scope key and generous limits, served over real HTTP."""
    from django.db import connection

    from tenants.services import create_organization

    with django_db_blocker.unblock():
        org = create_organization("schemathesis", "Schemathesis")
        RateLimitSetting.objects.create(organization=org, per_minute=100_000, per_hour=1_000_000)
        plaintext = keys.create_key(org, "schemathesis", list(ALL_SCOPES)).plaintext
        yield http_server, org, plaintext
        connection.set_schema_to_public()
        org.delete(force_drop=True)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def test_schemathesis_finds_no_server_error_or_schema_violation(live_api):
    server, org, plaintext = live_api
    host = org.get_primary_domain().domain
    raw = server.request("GET", "localhost", "/api/v1/schema/",
                         headers={"Accept": "application/json"}).json()
    schema = schemathesis.openapi.from_dict(raw)
    base_url = f"http://127.0.0.1:{server.port}"
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
    tested = 0
    for operation in operations:
        for target_host in ("localhost", host):
            fuzz(operation, base_url, {"Host": f"{target_host}:{server.port}", "X-API-Key": plaintext})
            tested += 1
    assert tested == 2 * len(OPERATIONS)


def fuzz(operation, base_url: str, headers: dict) -> None:
    """A few generated requests (valid and invalid) for one operation, each response checked."""

    @given(case=operation.as_strategy())
    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(base_url=base_url, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
