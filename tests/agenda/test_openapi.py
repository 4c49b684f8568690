"""The OpenAPI document: valid 3.1, every route, the schemas the code uses."""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate
from starlette.routing import Route

from agenda.api import AgendaApi
from agenda.model import Meeting
from agenda.schemas import ItemPatch
from tests.agenda.conftest import Api


async def fetch(api: Api) -> dict[str, Any]:
    answer = await api.client.get("/api/openapi.json")  # no token needed
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


async def test_the_document_is_valid_openapi_31(api: Api) -> None:
    document = await fetch(api)
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_it_lists_every_route_and_method(api: Api) -> None:
    document = await fetch(api)
    listed = {(path, method.upper()) for path, ops in document["paths"].items()
              for method in ops}
    mounted = {
        (re.sub(r"{(\w+):\w+}", r"{\1}", route.path), method)
        for route in api.app.routes
        if isinstance(route, Route) and route.path.startswith("/api/")
        and "{rest:path}" not in route.path
        for method in (route.methods or ()) if method != "HEAD"
    }
    assert listed == mounted
    assert {
        ("/api/meetings/{meeting_id}/items:reorder", "POST"),
        ("/api/meetings/{meeting_id}/recordings", "POST"),
        ("/api/recordings/{recording_id}/files/{name}", "GET"),
        ("/api/meetings/{meeting_id}/media/{name}", "PUT"),
    } <= listed


async def test_operations_say_what_they_take_and_answer(api: Api) -> None:
    document = await fetch(api)
    patch = document["paths"]["/api/meetings/{meeting_id}/items/{item_id}"]["patch"]
    names = {(p["name"], p["in"]) for p in patch["parameters"]}
    assert {("meeting_id", "path"), ("item_id", "path"), ("If-Match", "header")} <= names
    assert patch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ItemPatch"}
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409", "413",
                                       "422", "428"}
    ics = document["paths"]["/api/meetings/{meeting_id}/agenda.ics"]["get"]
    assert "text/calendar" in ics["responses"]["200"]["content"]
    assert ("token", "query") in {(p["name"], p["in"]) for p in ics["parameters"]}
    assert document["paths"]["/api/openapi.json"]["get"]["security"] == []


async def test_schemas_are_the_validating_models(api: Api) -> None:
    schemas = (await fetch(api))["components"]["schemas"]
    for model in (Meeting, ItemPatch):
        own = model.model_json_schema(ref_template="#/components/schemas/{model}")
        own.pop("$defs", None)
        assert schemas[model.__name__] == own


async def test_every_endpoint_has_a_distinct_operation_id(api: Api) -> None:
    services = api.services
    table = AgendaApi(services.store, services.authority, lambda: "http://x").endpoints()
    ids = [e.operation_id for e in table]
    assert len(ids) == len(set(ids)) >= 19
