"""The OpenAPI document: valid 3.1, every route, the schemas the code uses."""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate
from starlette.routing import Route

from agenda.api import AgendaApi
from agenda.languages import LANGUAGES
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


async def test_the_document_says_what_the_server_answers(api: Api) -> None:
    # Each of these was an answer schemathesis found undocumented.
    paths = (await fetch(api))["paths"]

    def statuses(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    assert "409" in statuses("/api/meetings", "post")  # already_exists
    assert "409" in statuses("/api/meetings/{meeting_id}/recordings", "post")
    assert "409" in statuses("/api/recordings/{recording_id}/stop", "post")
    assert "409" in statuses("/api/recordings/{recording_id}/exports", "post")
    upload = paths["/api/meetings/{meeting_id}/media/{name}"]["put"]
    assert {"201", "400", "413"} <= set(upload["responses"])
    assert "application/octet-stream" in upload["requestBody"]["content"]
    [name] = [p for p in upload["parameters"] if p["name"] == "name"]
    assert re.fullmatch(name["schema"]["pattern"], "uzbekistan.webm")
    assert not re.search(name["schema"]["pattern"], "../x")
    files = paths["/api/recordings/{recording_id}/files/{name}"]["get"]
    assert {"200", "206", "400", "416"} <= set(files["responses"])
    assert {"video/x-matroska", "text/vtt", "application/json", "video/webm"} <= set(
        files["responses"]["200"]["content"])
    assert ("Range", "header") in {(p["name"], p["in"]) for p in files["parameters"]}


async def test_if_match_and_languages_are_described_as_checked(api: Api) -> None:
    document = await fetch(api)
    patch = document["paths"]["/api/meetings/{meeting_id}"]["patch"]
    [if_match] = [p for p in patch["parameters"] if p["name"] == "If-Match"]
    pattern = if_match["schema"]["pattern"]
    for good in ('"7"', "7", 'W/"7"'):
        assert re.search(pattern, good)
    for bad in ("", "soon", '"²"', '"7', '"1", "2"', "*", '"' + "9" * 19 + '"'):
        assert not re.search(pattern, bad)
    booth = document["components"]["schemas"]["Booth"]["properties"]
    assert booth["a"]["enum"] == list(LANGUAGES)
    title = document["components"]["schemas"]["Meeting"]["properties"]["title"]
    assert title["minProperties"] == 1
    assert title["propertyNames"]["enum"] == list(LANGUAGES)


async def test_patches_are_nullable_only_where_the_stored_field_is(api: Api) -> None:
    schemas = (await fetch(api))["components"]["schemas"]

    def nullable(schema: dict[str, Any]) -> bool:
        return {"type": "null"} in schema.get("anyOf", [])

    item = schemas["ItemPatch"]["properties"]
    assert {name for name, field in item.items() if nullable(field)} == {
        "floor_language", "media", "version"}
    meeting = schemas["MeetingPatch"]["properties"]
    assert {name for name, field in meeting.items() if nullable(field)} == {"chair", "version"}
    assert not schemas["MeetingPatch"].get("required")
