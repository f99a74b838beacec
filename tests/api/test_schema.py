"""The OpenAPI schema, the docs page, and schemathesis against the live HTTP server."""

from __future__ import annotations

import re
import uuid
from unittest import mock
from unittest.mock import ANY

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import keys
from api import schema as cached_schema_module
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


def test_docs_page_is_swagger_ui_from_vendored_static_files(public_client, client_a):
    for client in (public_client, client_a):
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="swagger-ui" data-schema-url="/api/v1/schema/"' in html
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert scripts and all('src="/static/' in attrs for attrs in scripts)  # no inline script
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in assets
        assert "/static/api/docs.js" in assets
        for asset in assets:  # what collectstatic collects (the sidecar is an installed app)
            assert finders.find(asset.removeprefix("/static/")), asset
        assert "cdn" not in html.lower() and not re.search(r'(?:src|href)="(?:https?:)?//', html)
        assert "sequences:execute" in html  # the scopes table, also readable without JavaScript


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def _declared_scope(method: str, path: str) -> str:
    """The scope the view enforces (``required_scopes``), resolved from the schema's path."""
    concrete = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path).removeprefix("/api/v1")
    return resolve(concrete, urlconf="api.urls").func.view_class.required_scopes[method]


def test_every_operation_documents_scope_security_parameters_and_examples(public_client):
    schema = public_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyHeader"] | {"description": ANY} == {
        "type": "apiKey", "in": "header", "name": "X-API-Key", "description": ANY}
    assert schemes["BearerAuth"] | {"description": ANY} == {
        "type": "http", "scheme": "bearer", "description": ANY}
    walked = set()
    for method, path, op in _operations(schema):
        walked.add((method, path))
        scope = _declared_scope(method, path)
        assert op["x-required-scope"] == scope, (method, path)
        assert op["description"].startswith(f"**Required scope:** `{scope}`")
        assert op["security"] == [{"ApiKeyHeader": []}, {"BearerAuth": []}]
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), (method, path, parameter["name"])
        if "requestBody" in op:
            assert op["requestBody"]["content"]["application/json"]["examples"], (method, path)
        responses = op["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1
        if success != ["204"]:
            assert responses[success[0]]["content"]["application/json"]["examples"]
        where = {p["in"] for p in op.get("parameters", [])} | ({"body"} if "requestBody" in op else set())
        expected = {"401", "403", "429"} | ({"400"} if where & {"query", "body"} else set()) | (
            {"404"} if "path" in where else set())
        for code in expected:
            assert responses[code]["content"]["application/json"]["examples"], (method, path, code)
        denied = responses["403"]["content"]["application/json"]["examples"]["MissingScope"]
        assert denied["value"]["error"]["requiredScope"] == scope
    assert walked == OPERATIONS
    create = schema["paths"]["/api/v1/contacts"]["post"]
    example = create["requestBody"]["content"]["application/json"]["examples"]["NewContact"]
    assert example["value"]["customFields"] == {"birthday": "1985-03-15", "membershipTier": "gold"}
    listed = schema["paths"]["/api/v1/contacts"]["get"]["responses"]["200"]["content"]
    assert listed["application/json"]["examples"]["Contacts"]["value"]["meta"] == {
        "page": 1, "perPage": 50, "total": 247, "totalPages": 5}  # the docs' list example


def test_the_schema_is_generated_once_not_per_request(public_client, client_a):
    cached_schema_module._generate.cache_clear()
    cached_schema_module._render.cache_clear()
    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True,
                           side_effect=SchemaGenerator.get_schema) as generate:
        bodies = [client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
                  for client in (public_client, client_a, public_client)]
        yaml = public_client.get("/api/v1/schema/?format=yaml")
    assert generate.call_count == 1
    assert bodies[0] == bodies[1] == bodies[2]
    assert yaml.status_code == 200 and b"x-required-scope: sequences:execute" in yaml.content


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
