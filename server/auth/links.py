"""Join links: the URL of a role's page with the token in the fragment.

The token travels in the fragment (after ``#``) so it never reaches server
logs or ``Referer`` headers; the page reads it from ``location.hash``.
"""

from __future__ import annotations

from urllib.parse import quote

from server.auth.roles import ROLE_PAGES, Role


def join_link(base_url: str, role: Role, meeting: str, token: str) -> str:
    page = ROLE_PAGES[role]
    return f"{base_url.rstrip('/')}/{page}/{quote(meeting, safe='')}#token={token}"
