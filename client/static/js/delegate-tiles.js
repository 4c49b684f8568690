// What the delegate sees: the meeting's title and one tile per person
// (interpreters are heard, not seen), with their video when the server
// forwards it, and the view we ask the server for.

import { $, el } from "./ui.js";

const MAX_VIEW = 9; // the videos we ask the server to forward

/** @param {any} page the delegate page's state */
export function renderTitle(page) {
  const title = page.meeting.title;
  const text = title[page.strings.lang] ?? title.en ?? Object.values(title)[0];
  $("#title").textContent = text;
  document.title = `${text} — silkhall`;
}

function visibleParticipants(page) {
  return [...page.participants.values()].filter((p) => p.role !== "interpreter");
}

/** Ask for the videos of the first people shown, ourselves aside. */
export function sendView(page) {
  if (!page.signalling || !page.you) return;
  const ids = visibleParticipants(page).filter((p) => p.id !== page.you.id)
    .slice(0, MAX_VIEW).map((p) => p.id);
  page.signalling.send({ type: "view", participants: ids });
}

function venueName(page, id) {
  const venue = page.meeting?.venues.find((v) => v.id === id);
  return venue ? `${venue.name} · ${venue.city}` : "";
}

/**
 * Update the tiles in place, so that a playing video is not restarted by
 * every change of a name, a microphone or the active speaker.
 */
export function renderTiles(page) {
  if (!page.meeting || !page.you) return;
  const container = $("#tiles");
  const byParticipant = new Map();
  for (const slot of page.slots) {
    if (slot.kind === "video" && slot.use === "video" && slot.participant) {
      byParticipant.set(slot.participant, slot.mid);
    }
  }
  const people = visibleParticipants(page);
  const keep = new Set();
  for (const person of people) {
    const id = `tile-${person.id}`;
    keep.add(id);
    let tile = container.querySelector(`[id="${CSS.escape(id)}"]`);
    if (!tile) {
      tile = el("figure", { id, class: "tile" },
        el("video", { autoplay: true, playsinline: true, muted: true }),
        el("figcaption", {}, el("span", { class: "name" }), el("span", { class: "where" }),
           el("span", { class: "mic" })));
      container.append(tile);
    }
    const self = person.id === page.you.id;
    tile.classList.toggle("self", self);
    tile.classList.toggle("speaking", person.id === page.activeSpeaker);
    tile.dataset.participant = person.id;
    tile.querySelector(".name").textContent = self
      ? `${person.name} (${page.strings.t("tile.you")})` : person.name;
    tile.querySelector(".where").textContent = person.venue ? venueName(page, person.venue)
      : page.strings.t(`role.${person.role}`);
    const micOn = self ? page.micOn : person.mic;
    const mic = tile.querySelector(".mic");
    mic.classList.toggle("off", !micOn);
    mic.textContent = micOn ? "" : page.strings.t("tile.muted");
    const video = tile.querySelector("video");
    let track = null;
    if (self) {
      track = page.cameraOn ? page.stream.getVideoTracks()[0] ?? null : null;
    } else if (byParticipant.has(person.id) && person.camera) {
      track = page.tracks.get(byParticipant.get(person.id)) ?? null;
    }
    const current = video.srcObject?.getTracks?.()[0] ?? null;
    if (track !== current) video.srcObject = track ? new MediaStream([track]) : null;
    tile.classList.toggle("has-video", !!track);
  }
  for (const tile of [...container.children]) if (!keep.has(tile.id)) tile.remove();
  $("#people").textContent = page.strings.t("people.count", { count: people.length });
}
