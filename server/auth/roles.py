"""Roles and the permissions they expand to.

Every action a client can take names one :class:`Permission`; the dispatch
point checks it against the role's set, and nothing else decides.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ORGANISER = "organiser"
    DELEGATE = "delegate"
    INTERPRETER = "interpreter"
    VENUE = "venue"


class Permission(StrEnum):
    JOIN = "join"  # be in the meeting, see the participant list
    LISTEN = "listen"  # receive the floor and language channels
    PUBLISH = "publish"  # send a microphone or camera
    SPEAK = "speak"  # open a microphone onto the floor (subject to moderation)
    REQUEST_FLOOR = "request_floor"  # raise a hand in moderated mode
    FEED_FLOOR = "feed_floor"  # a venue's mixer: on the floor whenever connected
    INTERPRET = "interpret"  # work in a booth: mic into a language channel
    CHAIR = "chair"  # run the live meeting: agenda, floor language, moderation
    MANAGE = "manage"  # edit meeting data, mint join links, record


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ORGANISER: frozenset(
        {
            Permission.JOIN,
            Permission.LISTEN,
            Permission.PUBLISH,
            Permission.SPEAK,
            Permission.CHAIR,
            Permission.MANAGE,
        }
    ),
    Role.DELEGATE: frozenset(
        {
            Permission.JOIN,
            Permission.LISTEN,
            Permission.PUBLISH,
            Permission.SPEAK,
            Permission.REQUEST_FLOOR,
        }
    ),
    Role.INTERPRETER: frozenset(
        {Permission.JOIN, Permission.LISTEN, Permission.PUBLISH, Permission.INTERPRET}
    ),
    Role.VENUE: frozenset(
        {Permission.JOIN, Permission.LISTEN, Permission.PUBLISH, Permission.FEED_FLOOR}
    ),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


# The page a role's join link opens.
ROLE_PAGES: dict[Role, str] = {
    Role.ORGANISER: "organiser",
    Role.DELEGATE: "delegate",
    Role.INTERPRETER: "console",
    Role.VENUE: "venue",
}
