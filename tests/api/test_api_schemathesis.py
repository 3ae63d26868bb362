"""schemathesis over the OpenAPI spec, in-process, authenticated: 0 server errors, 0 violations."""

from __future__ import annotations

import pytest
import schemathesis
from apidata import SECRET, USERS, seed_store
from hypothesis import HealthCheck, Phase, settings

from api.app import create_app
from api.auth import create_token
from api.settings import Settings


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("st") / "st.gpkg"
    seed_store(str(path))
    return create_app(Settings(db=str(path), jwt_secret=SECRET, max_body_bytes=64_000,
                               max_vertices=500))


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema(api_app):
    from fastapi.testclient import TestClient

    client = TestClient(api_app)
    client.__enter__()  # run the lifespan once for the module
    loaded = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    loaded.config.seed = 20250402
    return loaded


TOKEN = create_token(USERS["admin"], secret=SECRET, minutes=60)
CHECKS = [schemathesis.checks.not_a_server_error,
          schemathesis.checks.response_schema_conformance,
          schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance]


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit,
          Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_conforms(case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
