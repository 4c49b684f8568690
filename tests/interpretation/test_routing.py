"""Channel ownership and consoles' incoming choice, including auto relay."""

from __future__ import annotations

from interpretation.booth import BoothConfig, BoothState
from interpretation.routing import channel_owners, incoming


def make(live: set[str], outputs: dict[str, str] | None = None) -> dict[str, BoothState]:
    configs = [
        BoothConfig("zh", "zh", "en", frozenset({"zh", "en"})),
        BoothConfig("en", "en", "fr", frozenset({"en", "fr", "it", "pt", "es"})),
        BoothConfig("fr", "fr", "en", frozenset({"fr", "en", "it"})),
    ]
    booths = {}
    for config in configs:
        state = BoothState(config)
        state.join(f"{config.id}-1", config.id)
        if config.id in live:
            state.live = f"{config.id}-1"
        state.output = "B" if (outputs or {}).get(config.id) == "B" else "A"
        booths[config.id] = state
    return booths


def test_booth_that_understands_the_floor_hears_the_floor() -> None:
    booths = make(set())
    choice = incoming(booths["zh"], list(booths.values()), "en")
    assert (choice.source, choice.language, choice.steps, choice.available) == (
        "floor", "en", 0, True)


def test_portuguese_floor_zh_booth_relays_from_the_live_en_booth() -> None:
    booths = make({"en"})
    choice = incoming(booths["zh"], list(booths.values()), "pt")
    assert (choice.source, choice.language, choice.steps, choice.available) == (
        "en", "en", 1, True)


def test_no_live_booth_to_relay_falls_back_to_the_floor_with_a_warning() -> None:
    booths = make(set())
    choice = incoming(booths["zh"], list(booths.values()), "pt")
    assert (choice.source, choice.available) == ("floor", False)


def test_two_step_relay() -> None:
    # Floor in Italian: fr booth hears it; en booth is off; zh can only
    # relay from fr's B output (en) — fr on B gives en: 1 step for zh.
    booths = make({"fr"}, {"fr": "B"})
    choice = incoming(booths["zh"], list(booths.values()), "it")
    assert (choice.source, choice.steps) == ("en", 1)
    # The Japanese floor reaches nobody: no relay is possible.
    choice = incoming(booths["zh"], list(booths.values()), "ja")
    assert choice.available is False


def test_relay_prefers_fewer_steps() -> None:
    # Spanish floor: only the en booth understands it. zh relays from en (1
    # step); the fr booth on its B (en) output would be a second en source
    # but fr relays en itself, so 2 steps: not chosen.
    booths = make({"en", "fr"}, {"fr": "A"})
    choice = incoming(booths["zh"], list(booths.values()), "es")
    assert (choice.source, choice.steps) == ("en", 1)
    fr = incoming(booths["fr"], list(booths.values()), "es")
    assert (fr.source, fr.steps) == ("en", 1)


def test_manual_choice_overrides_auto() -> None:
    booths = make({"en"})
    booths["zh"].set_incoming("zh-1", "floor", ["fr", "zh", "en"])
    choice = incoming(booths["zh"], list(booths.values()), "pt")
    assert (choice.source, choice.mode) == ("floor", "manual")
    booths["zh"].set_incoming("zh-1", "auto", ["fr", "zh", "en"])
    assert incoming(booths["zh"], list(booths.values()), "pt").source == "en"


def test_channel_owners_only_count_booths_on_air() -> None:
    booths = make({"zh", "en"}, {"zh": "B"})
    owners = channel_owners(list(booths.values()))
    assert owners == {"en": "zh"}  # first live booth on a language keeps it
    assert channel_owners(list(booths.values()), on_air={"en"}) == {"en": "en"}
    assert channel_owners(list(booths.values()), on_air=set()) == {}
