"""Checks an SDP offer or answer before aiortc sees it.

aiortc accepts almost any text as SDP; a WHIP client sending garbage must get
400 with a reason, not a half-built session.
"""

from __future__ import annotations

from aiortc.sdp import SessionDescription

from server.protocol import MAX_SDP

SUPPORTED = {"audio": {"opus"}, "video": {"vp8", "h264"}}


class BadSdp(ValueError):
    """The SDP cannot be used; the message says why."""


def check_sdp(text: str, *, kinds: set[str] | None = None) -> SessionDescription:
    """Parse and check an SDP; raise :class:`BadSdp` if it is unusable.

    ``kinds`` lists media kinds of which at least one must be present and
    usable (e.g. ``{"audio"}`` for a WHEP listener).
    """
    if not text or not text.strip():
        raise BadSdp("the SDP is empty")
    if len(text) > MAX_SDP:
        raise BadSdp(f"the SDP is longer than {MAX_SDP} characters")
    if not text.lstrip().startswith("v=0"):
        raise BadSdp("an SDP starts with 'v=0'")
    try:
        description = SessionDescription.parse(text)
    except Exception as exc:  # aiortc raises assorted errors on malformed input
        raise BadSdp(f"the SDP does not parse: {exc}") from exc
    media = [m for m in description.media if m.kind in SUPPORTED]
    if not media:
        raise BadSdp("the SDP has no audio or video section")
    for index, section in enumerate(media):
        if section.ice is None or not section.ice.usernameFragment or not section.ice.password:
            raise BadSdp(f"media section {index} lacks ice-ufrag/ice-pwd")
        if section.dtls is None or not section.dtls.fingerprints:
            raise BadSdp(f"media section {index} lacks a DTLS fingerprint")
    usable = {
        m.kind
        for m in media
        if any(c.name.lower() in SUPPORTED[m.kind] for c in m.rtp.codecs)
    }
    if kinds is not None and not (usable & kinds):
        wanted = " or ".join(sorted(kinds))
        raise BadSdp(
            f"the SDP offers no usable {wanted} codec (Opus for audio, VP8 or H.264 for video)"
        )
    return description
