"""The agenda's REST API under ``/api``: meetings, venues, booths, items,
join links, coverage and exports. Routes and the OpenAPI document are built
from one table (:meth:`AgendaApi.endpoints`); docs/api.md describes them.

Access is checked in one place (:meth:`AgendaApi._route`) from each
endpoint's :class:`~agenda.openapi.Access`; every write runs as a mutation
inside the store's transaction, so version checks and validation see the
stored meeting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from agenda import editing
from agenda.coverage import CoverageReport, coverage
from agenda.export_json import AgendaExport, to_export
from agenda.http import (
    MAX_BODY_BYTES,
    ApiError,
    Call,
    bearer_grant,
    etag,
    expected_version,
    guarded,
    json_response,
    problem_response,
    read_object,
)
from agenda.ical import to_ical
from agenda.model import Meeting
from agenda.openapi import Access, Endpoint, Reply, Versioned, document
from agenda.printable import printable_agenda
from agenda.schemas import (
    BoothBody,
    ErrorBody,
    ItemCreate,
    ItemPatch,
    LinkRequest,
    LinkResponse,
    MeetingList,
    MeetingPatch,
    MeetingSummary,
    ReorderRequest,
    VenueBody,
    VersionOnly,
)
from agenda.store import MeetingStore, Mutation, NotFound
from agenda.validation import Invalid, Problem, parse
from agenda.versions import expect_item, expect_meeting
from server.auth.links import join_link
from server.auth.roles import Permission, permissions_of
from server.auth.tokens import Grant, TokenAuthority, grant_covers

log = logging.getLogger(__name__)

OnChange = Callable[[Meeting], Awaitable[None]]


class EndpointSource(Protocol):
    """Another package's endpoints served and documented with these
    (recordings.api.RecordingsApi)."""

    def endpoints(self) -> list[Endpoint]: ...

MEETING = "/api/meetings/{meeting_id}"


class AgendaApi:
    """REST access to meetings in ``store`` for holders of join tokens."""

    def __init__(
        self,
        store: MeetingStore,
        authority: TokenAuthority,
        base_url: Callable[[], str],
        on_change: OnChange | None = None,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        extensions: Sequence[EndpointSource] = (),
        on_delete: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._on_delete = on_delete
        self._extensions = list(extensions)
        self._store = store
        self._authority = authority
        self._base_url = base_url
        self._on_change = on_change
        self._max_body = max_body_bytes

    # --- the table ---------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        """Every route of the API with what it needs and answers."""
        meeting = Reply("the meeting, as stored now (ETag: its version)", Meeting)
        token = {"token": "the join token, for clients that cannot send a header"}
        m, i = Versioned.MEETING, Versioned.ITEM
        return [
            Endpoint("GET", "/api/meetings", self.list_meetings, "Meetings the token covers",
                     Access.READ, {200: Reply("summaries", MeetingList)}),
            Endpoint("POST", "/api/meetings", self.create_meeting, "Create a meeting",
                     Access.SITE, {201: Reply("the meeting created", Meeting),
                                   409: Reply("already_exists: the id is taken", ErrorBody)},
                     body=Meeting),
            Endpoint("GET", MEETING, self.get_meeting, "A meeting with its agenda",
                     Access.READ, {200: meeting}),
            Endpoint("PATCH", MEETING, self.patch_meeting, "Change a meeting's fields",
                     Access.MANAGE, {200: meeting}, body=MeetingPatch, versioned=m),
            Endpoint("DELETE", MEETING, self.delete_meeting, "Delete a meeting",
                     Access.MANAGE, {204: Reply("deleted")}, body=VersionOnly,
                     body_required=False, versioned=m),
            Endpoint("PUT", MEETING + "/venues/{venue_id}", self.put_venue,
                     "Create or replace a venue", Access.MANAGE, {200: meeting},
                     body=VenueBody, versioned=m, tag="venues"),
            Endpoint("DELETE", MEETING + "/venues/{venue_id}", self.delete_venue,
                     "Delete a venue", Access.MANAGE, {200: meeting}, body=VersionOnly,
                     body_required=False, versioned=m, tag="venues"),
            Endpoint("PUT", MEETING + "/booths/{booth_id}", self.put_booth,
                     "Create or replace a booth", Access.MANAGE, {200: meeting},
                     body=BoothBody, versioned=m, tag="booths"),
            Endpoint("DELETE", MEETING + "/booths/{booth_id}", self.delete_booth,
                     "Delete a booth", Access.MANAGE, {200: meeting}, body=VersionOnly,
                     body_required=False, versioned=m, tag="booths"),
            Endpoint("POST", MEETING + "/items", self.add_item, "Add an agenda item",
                     Access.MANAGE, {201: meeting}, body=ItemCreate,
                     versioned=Versioned.OPTIONAL, tag="items"),
            Endpoint("POST", MEETING + "/items:reorder", self.reorder_items,
                     "Reorder the agenda and lay it out back to back", Access.MANAGE,
                     {200: meeting}, body=ReorderRequest, versioned=m, tag="items"),
            Endpoint("PATCH", MEETING + "/items/{item_id}", self.patch_item,
                     "Change an agenda item", Access.MANAGE, {200: meeting},
                     body=ItemPatch, versioned=i, tag="items"),
            Endpoint("DELETE", MEETING + "/items/{item_id}", self.delete_item,
                     "Delete an agenda item", Access.MANAGE, {200: meeting},
                     body=VersionOnly, body_required=False, versioned=i, tag="items"),
            Endpoint("POST", MEETING + "/links", self.create_link, "Mint a join link",
                     Access.MANAGE, {201: Reply("the token and its URL", LinkResponse)},
                     body=LinkRequest, tag="links"),
            Endpoint("GET", MEETING + "/coverage", self.get_coverage,
                     "Interpretation coverage of every item and language", Access.READ,
                     {200: Reply("routes and warnings", CoverageReport)}, tag="coverage"),
            Endpoint("GET", MEETING + "/agenda.ics", self.export_ics, "The agenda as iCalendar",
                     Access.READ, {200: Reply("RFC 5545", media_type="text/calendar")},
                     query=token, tag="exports"),
            Endpoint("GET", MEETING + "/agenda.json", self.export_json, "The agenda as JSON",
                     Access.READ, {200: Reply("times in UTC and local", AgendaExport)},
                     query=token, tag="exports"),
            Endpoint("GET", MEETING + "/agenda.html", self.export_html,
                     "The agenda as a printable bilingual page", Access.READ,
                     {200: Reply("HTML", media_type="text/html")},
                     query={**token, "languages": "comma-separated, e.g. fr,zh (default: the "
                            "meeting's first two languages)"}, tag="exports"),
            Endpoint("GET", "/api/openapi.json", self.openapi, "This API's OpenAPI document",
                     Access.PUBLIC, {200: Reply("OpenAPI 3.1")}, tag="meta"),
            *(e for source in self._extensions for e in source.endpoints()),
        ]

    def routes(self) -> list[BaseRoute]:
        """Starlette routes for every endpoint, then a JSON 404/405 for ``/api``."""
        routes: list[BaseRoute] = [
            Route(e.path, self._route(e), methods=[e.method], name=e.operation_id)
            for e in self.endpoints()
        ]
        known = list(routes)

        async def api_fallback(request: Request) -> Response:
            allowed = sorted({
                method for route in known if isinstance(route, Route)
                if route.matches(request.scope)[0] is Match.PARTIAL
                for method in route.methods or ()
            })
            if allowed:
                return problem_response(
                    405, [Problem(error="method_not_allowed",
                                  message=f"use {', '.join(allowed)}")],
                    {"Allow": ", ".join(allowed)},
                )
            return problem_response(404, [Problem(error="not_found", message="no such route")])

        routes.append(Route("/api/{rest:path}", api_fallback, methods=[
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
        return routes

    def _route(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint_call(request: Request) -> Response:
            grant = self._authorise(request, endpoint)
            if endpoint.meeting_must_exist:
                await self._meeting(request.path_params["meeting_id"])
            body: dict[str, object] = {}
            if endpoint.body is not None:
                body = await read_object(request, self._max_body,
                                         required=endpoint.body_required)
            version = None
            if endpoint.versioned is not Versioned.NONE:
                version = expected_version(
                    request, body, required=endpoint.versioned is not Versioned.OPTIONAL
                )
            return await endpoint.handler(Call(request, grant, body, version))

        endpoint_call.__name__ = endpoint.operation_id
        return guarded(endpoint_call)

    def _authorise(self, request: Request, endpoint: Endpoint) -> Grant | None:
        if endpoint.access is Access.PUBLIC:
            return None
        grant = bearer_grant(request, self._authority, query="token" in endpoint.query)
        meeting_id = request.path_params.get("meeting_id")
        if endpoint.access is Access.SITE:
            if grant.meeting != "*" or Permission.MANAGE not in permissions_of(grant.role):
                raise ApiError(403, "forbidden",
                               'creating meetings needs an organiser token for meeting "*"')
        elif meeting_id is not None and not grant_covers(grant, meeting_id):
            raise ApiError(403, "wrong_meeting", "the token is for another meeting")
        if endpoint.access is Access.MANAGE and Permission.MANAGE not in permissions_of(
            grant.role
        ):
            raise ApiError(403, "forbidden", f"a {grant.role.value} token cannot change "
                           "meeting data; an organiser token can")
        return grant

    # --- helpers -----------------------------------------------------------

    async def _meeting(self, meeting_id: str) -> Meeting:
        meeting = await self._store.get(meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id!r}")
        return meeting

    async def _update(self, meeting_id: str, mutation: Mutation) -> Meeting:
        meeting = await self._store.update(meeting_id, mutation)
        await self._changed(meeting)
        return meeting

    async def _changed(self, meeting: Meeting) -> None:
        if self._on_change is None:
            return
        try:
            await self._on_change(meeting)
        except Exception:
            # The write is committed; a listener's failure must not undo the answer.
            log.exception("on_change failed for meeting %s", meeting.id)

    @staticmethod
    def _answer(meeting: Meeting, status: int = 200, location: str | None = None) -> Response:
        headers = {"ETag": etag(meeting.version)}
        if location:
            headers["Location"] = location
        return json_response(meeting, status, headers)

    # --- meetings ----------------------------------------------------------

    async def list_meetings(self, call: Call) -> Response:
        grant = call.grant
        if grant is None:  # unreachable: READ endpoints always carry a grant
            raise ApiError(401, "missing_token", "a Bearer join token is required")
        summaries = [
            MeetingSummary.of(m) for m in await self._store.list() if grant_covers(grant, m.id)
        ]
        return json_response(MeetingList(meetings=summaries))

    async def create_meeting(self, call: Call) -> Response:
        meeting = await self._store.create(editing.new_meeting(call.body))
        await self._changed(meeting)
        return self._answer(meeting, 201, f"/api/meetings/{meeting.id}")

    async def get_meeting(self, call: Call) -> Response:
        return self._answer(await self._meeting(call.param("meeting_id")))

    async def patch_meeting(self, call: Call) -> Response:
        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            return editing.patch_meeting(current, call.body)

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    async def delete_meeting(self, call: Call) -> Response:
        parse(VersionOnly, call.body)
        await self._store.delete(call.param("meeting_id"), expected_version=call.version)
        if self._on_delete is not None:
            try:
                await self._on_delete(call.param("meeting_id"))
            except Exception:
                # The delete is committed; a listener's failure must not undo the answer.
                log.exception("on_delete failed for meeting %s", call.param("meeting_id"))
        return Response(status_code=204)

    # --- venues and booths -------------------------------------------------

    async def put_venue(self, call: Call) -> Response:
        venue_id = call.param("venue_id")

        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            index = next((n for n, v in enumerate(current.venues) if v.id == venue_id),
                         len(current.venues))
            body = parse(VenueBody, call.body, prefix=f"venues[{index}]")
            _same_id(body.id, venue_id, f"venues[{index}].id")
            return editing.put_venue(current, body.to_venue(venue_id))

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    async def delete_venue(self, call: Call) -> Response:
        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            return editing.delete_venue(current, call.param("venue_id"))

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    async def put_booth(self, call: Call) -> Response:
        booth_id = call.param("booth_id")

        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            index = next((n for n, b in enumerate(current.booths) if b.id == booth_id),
                         len(current.booths))
            body = parse(BoothBody, call.body, prefix=f"booths[{index}]")
            _same_id(body.id, booth_id, f"booths[{index}].id")
            return editing.put_booth(current, body.to_booth(booth_id))

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    async def delete_booth(self, call: Call) -> Response:
        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            return editing.delete_booth(current, call.param("booth_id"))

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    # --- items -------------------------------------------------------------

    async def add_item(self, call: Call) -> Response:
        meeting_id = call.param("meeting_id")

        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            return editing.add_item(current, call.body)

        meeting = await self._update(meeting_id, mutation)
        item_id = str(call.body.get("id", ""))
        return self._answer(meeting, 201, f"/api/meetings/{meeting_id}/items/{item_id}")

    async def patch_item(self, call: Call) -> Response:
        item_id = call.param("item_id")

        def mutation(current: Meeting) -> Meeting:
            expect_item(current, item_id, call.version)
            return editing.patch_item(current, item_id, call.body)

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    async def delete_item(self, call: Call) -> Response:
        item_id = call.param("item_id")

        def mutation(current: Meeting) -> Meeting:
            expect_item(current, item_id, call.version)
            return editing.delete_item(current, item_id)

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    async def reorder_items(self, call: Call) -> Response:
        request = parse(ReorderRequest, call.body)

        def mutation(current: Meeting) -> Meeting:
            expect_meeting(current, call.version)
            return editing.reorder(current, request.order)

        return self._answer(await self._update(call.param("meeting_id"), mutation))

    # --- links, coverage, exports ------------------------------------------

    async def create_link(self, call: Call) -> Response:
        meeting = await self._meeting(call.param("meeting_id"))
        link = parse(LinkRequest, call.body)
        link.check_against(meeting)
        token = self._authority.mint(
            meeting.id, link.role, name=link.name, booth=link.booth, venue=link.venue,
            ttl=link.ttl, shared=link.shared,
        )
        expires = datetime.fromtimestamp(self._authority.verify(token).expires, UTC)
        url = join_link(self._base_url(), link.role, meeting.id, token)
        answer = LinkResponse(token=token, url=url, role=link.role, meeting=meeting.id,
                              expires=expires)
        return json_response(answer, 201)

    async def get_coverage(self, call: Call) -> Response:
        return json_response(coverage(await self._meeting(call.param("meeting_id"))))

    async def export_ics(self, call: Call) -> Response:
        meeting = await self._meeting(call.param("meeting_id"))
        return Response(
            to_ical(meeting), media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{meeting.id}.ics"',
                     "ETag": etag(meeting.version)},
        )

    async def export_json(self, call: Call) -> Response:
        meeting = await self._meeting(call.param("meeting_id"))
        return json_response(to_export(meeting), headers={"ETag": etag(meeting.version)})

    async def export_html(self, call: Call) -> Response:
        meeting = await self._meeting(call.param("meeting_id"))
        wanted = call.request.query_params.get("languages", "")
        languages = [x.strip() for x in wanted.split(",") if x.strip()] or meeting.languages[:2]
        return HTMLResponse(printable_agenda(meeting, languages),
                            headers={"ETag": etag(meeting.version)})

    async def openapi(self, call: Call) -> Response:
        return JSONResponse(document(self.endpoints(), self._base_url(), "silkhall agenda API"))


def _same_id(given: str | None, path_id: str, field: str) -> None:
    if given is not None and given != path_id:
        raise Invalid([Problem(error="id_mismatch", field=field,
                               message=f"the body's id {given!r} is not the path's {path_id!r}")])

