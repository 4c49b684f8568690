"""Table-driven tests of the booth console state machine, every transition
including the illegal ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from interpretation.booth import (
    HANDOVER_COUNTDOWN,
    BoothConfig,
    BoothError,
    BoothState,
    Handover,
    Refusal,
)

ZH = BoothConfig("zh", "zh", "en", frozenset({"zh", "en"}))
FR_ONLY = BoothConfig("fr", "fr", None, frozenset({"fr"}))


def free(language: str, booth: str) -> bool:
    return False


def busy_en(language: str, booth: str) -> bool:
    return language == "en"


def booth(live: str | None = None, *, output: str = "A", cough: bool = False,
          handover: Handover | None = None, config: BoothConfig = ZH) -> BoothState:
    state = BoothState(config)
    state.join("li", "Li")
    state.join("wang", "Wang")
    state.live = live
    state.output = "B" if output == "B" else "A"
    state.cough = cough
    state.handover = handover
    return state


@dataclass
class Case:
    name: str
    start: Callable[[], BoothState]
    act: Callable[[BoothState], object]
    live: str | None = None
    output: str = "A"
    cough: bool = False
    handover: str | None = None  # requester
    error: Refusal | None = None
    returns: object = None


CASES = [
    # microphone
    Case("mic on, nobody live", lambda: booth(), lambda b: b.mic_on("li", 0, free), live="li"),
    Case("mic on again is a no-op", lambda: booth("li"), lambda b: b.mic_on("li", 0, free),
         live="li"),
    Case("mic on while partner live: refused, handover requested", lambda: booth("li"),
         lambda b: b.mic_on("wang", 0, free), live="li", handover="wang",
         error=Refusal.INTERLOCK),
    Case("mic on when another booth holds the channel", lambda: booth(output="B"),
         lambda b: b.mic_on("li", 0, busy_en), live=None, output="B",
         error=Refusal.INTERLOCK),
    Case("mic on by a stranger", lambda: booth(), lambda b: b.mic_on("zhao", 0, free),
         error=Refusal.FORBIDDEN),
    Case("mic on clears a pending handover", lambda: booth(handover=Handover("wang", 5)),
         lambda b: b.mic_on("li", 0, free), live="li"),
    Case("mic off", lambda: booth("li"), lambda b: b.mic_off("li"), live=None),
    Case("mic off when not live", lambda: booth("li"), lambda b: b.mic_off("wang"),
         live="li", error=Refusal.BAD_STATE),
    Case("mic off clears cough", lambda: booth("li", cough=True), lambda b: b.mic_off("li")),
    # cough
    Case("cough while live", lambda: booth("li"), lambda b: b.set_cough("li", True),
         live="li", cough=True),
    Case("cough released", lambda: booth("li", cough=True), lambda b: b.set_cough("li", False),
         live="li"),
    Case("cough while not live", lambda: booth("li"), lambda b: b.set_cough("wang", True),
         live="li", error=Refusal.BAD_STATE),
    Case("cough release while not live is harmless", lambda: booth(),
         lambda b: b.set_cough("li", False)),
    # output A/B
    Case("output B", lambda: booth(), lambda b: b.set_output("li", "B", free), output="B"),
    Case("output B while live", lambda: booth("li"), lambda b: b.set_output("li", "B", free),
         live="li", output="B"),
    Case("output B while live onto a busy channel", lambda: booth("li"),
         lambda b: b.set_output("li", "B", busy_en), live="li", error=Refusal.INTERLOCK),
    Case("output B while off onto a busy channel is allowed", lambda: booth(),
         lambda b: b.set_output("li", "B", busy_en), output="B"),
    Case("output B on a booth without B", lambda: booth(config=FR_ONLY),
         lambda b: b.set_output("li", "B", free), error=Refusal.NOT_FOUND),
    Case("output back to A", lambda: booth(output="B"), lambda b: b.set_output("li", "A", free)),
    # handover
    Case("request handover", lambda: booth("li"), lambda b: b.request_handover("wang", 0),
         live="li", handover="wang"),
    Case("request handover when nobody live", lambda: booth(),
         lambda b: b.request_handover("wang", 0), error=Refusal.BAD_STATE),
    Case("request handover from yourself", lambda: booth("li"),
         lambda b: b.request_handover("li", 0), live="li", error=Refusal.BAD_STATE),
    Case("accept handover", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.accept_handover("li"), live="wang", returns="wang"),
    Case("accept handover clears cough", lambda: booth("li", cough=True,
                                                       handover=Handover("wang", 10)),
         lambda b: b.accept_handover("li"), live="wang", returns="wang"),
    Case("accept without a request", lambda: booth("li"), lambda b: b.accept_handover("li"),
         live="li", error=Refusal.BAD_STATE),
    Case("accept by the requester", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.accept_handover("wang"), live="li", handover="wang",
         error=Refusal.BAD_STATE),
    Case("requester cancels", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.cancel_handover("wang"), live="li"),
    Case("live interpreter declines", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.cancel_handover("li"), live="li"),
    Case("cancel with nothing pending", lambda: booth("li"),
         lambda b: b.cancel_handover("li"), live="li", error=Refusal.BAD_STATE),
    Case("countdown runs out: takeover", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.tick(10), live="wang", returns=True),
    Case("countdown still running", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.tick(9.9), live="li", handover="wang", returns=False),
    Case("countdown with nobody live anymore", lambda: booth(handover=Handover("wang", 10)),
         lambda b: b.tick(11), returns=False),
    # incoming
    Case("incoming relay from a channel", lambda: booth(),
         lambda b: b.set_incoming("li", "fr", ["fr", "zh", "en"])),
    Case("incoming from an unknown channel", lambda: booth(),
         lambda b: b.set_incoming("li", "ja", ["fr", "zh", "en"]), error=Refusal.NOT_FOUND),
    Case("incoming from its own output", lambda: booth(),
         lambda b: b.set_incoming("li", "zh", ["fr", "zh", "en"]), error=Refusal.BAD_STATE),
    # membership
    Case("live interpreter leaves", lambda: booth("li", cough=True),
         lambda b: b.leave("li"), returns=True),
    Case("partner leaves", lambda: booth("li"), lambda b: b.leave("wang"), live="li",
         returns=False),
    Case("requester leaves", lambda: booth("li", handover=Handover("wang", 10)),
         lambda b: b.leave("wang"), live="li", returns=False),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_transition(case: Case) -> None:
    state = case.start()
    if case.error is not None:
        with pytest.raises(BoothError) as raised:
            case.act(state)
        assert raised.value.code is case.error
        assert raised.value.message
    else:
        assert case.act(state) == case.returns
    assert state.live == case.live
    assert state.output == case.output
    assert state.cough == case.cough
    assert (state.handover.requester if state.handover else None) == case.handover
    # The interlock holds after every transition: one live microphone, and
    # nobody coughs unless live.
    assert state.live is None or state.live in state.interpreters
    assert not state.cough or state.live is not None


def test_mic_on_while_partner_live_sets_a_countdown() -> None:
    state = booth("li")
    with pytest.raises(BoothError) as raised:
        state.mic_on("wang", 100.0, free)
    assert raised.value.handover_requested
    assert state.handover == Handover("wang", 100.0 + HANDOVER_COUNTDOWN)


def test_output_language_follows_the_selector() -> None:
    state = booth()
    assert state.output_language() == "zh"
    assert state.live_language() is None
    state.set_output("li", "B", free)
    state.mic_on("li", 0, free)
    assert state.live_language() == "en"
