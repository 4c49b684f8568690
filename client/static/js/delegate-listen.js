// What the delegate hears: the floor, or an interpretation channel with the
// original underneath at the level of the 'original' slider. The choice and
// the level are remembered across visits.

import { $, languageSelect } from "./ui.js";

const LISTEN_KEY = "silkhall.listen";
const ORIGINAL_KEY = "silkhall.original";

/** The page state's starting `listen` and `original`, as last chosen. */
export function savedListening() {
  return { listen: localStorage.getItem(LISTEN_KEY) ?? "floor",
           original: Number(localStorage.getItem(ORIGINAL_KEY) ?? 20) };
}

/** @param {any} page the delegate page's state */
export function setupListening(page) {
  const original = $("#original");
  original.value = String(page.original);
  $("#original-value").textContent = `${page.original}%`;
  original.oninput = () => {
    page.original = Number(original.value);
    localStorage.setItem(ORIGINAL_KEY, String(page.original));
    $("#original-value").textContent = `${page.original}%`;
    applyGains(page);
  };
  $("#listen").onchange = () => setListen(page, $("#listen").value);
}

function setListen(page, language) {
  page.listen = language;
  localStorage.setItem(LISTEN_KEY, language);
  page.signalling.send({ type: "listen", language });
  applyGains(page);
}

/**
 * Floor mode: the open microphones at full level. Interpretation mode (a
 * language whose interpreter is live): the channel at full level with the
 * original underneath at the slider's level.
 */
export function applyGains(page) {
  if (!page.mixer) return;
  const interpreting = page.listen !== "floor" && page.channelsLive.has(page.listen);
  for (const slot of page.slots) {
    if (slot.kind !== "audio" || slot.use === "mic") continue;
    if (slot.use === "floor") {
      page.mixer.setGain(slot.mid, interpreting ? page.original / 100 : 1);
    } else if (slot.use === "language") {
      page.mixer.setGain(slot.mid, interpreting ? 1 : 0);
    } else if (slot.use === "pa") {
      page.mixer.setGain(slot.mid, 1);
    }
  }
}

/**
 * The meeting's languages in the selector. A remembered language this
 * meeting does not offer falls back to the floor; one it does is sent again,
 * since every join (a reconnect too) must send it (docs/protocol.md).
 */
export function renderListen(page) {
  const select = $("#listen");
  const languages = page.meeting.languages;
  select.replaceChildren(languageSelect(languages, page.strings.t("listen.floor"), page.listen));
  if (page.listen !== "floor" && !languages.some((l) => l.code === page.listen)) {
    page.listen = "floor";
  }
  select.value = page.listen;
  if (page.listen !== "floor") page.signalling.send({ type: "listen", language: page.listen });
  applyGains(page);
}
