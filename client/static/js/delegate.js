// The delegate page (also the browser fallback for a venue): join with a
// camera and microphone, see and hear the meeting, pick a language.

import { joinParams, signallingUrl, Signalling, State } from "./protocol.js";
import { AudioMixer, MeetingPeer, listDevices, meterPercent, openLocalMedia, trackMeter }
  from "./media.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $, el, clockText, languageSelect } from "./ui.js";
import { DelegateSide } from "./delegate-agenda.js";
import { RecIndicator } from "./rec-indicator.js";

const LISTEN_KEY = "silkhall.listen";
const ORIGINAL_KEY = "silkhall.original";

const page = {
  strings: null,
  signalling: null,
  peer: null,
  mixer: null,
  stream: null,
  meeting: null,
  you: null,
  /** @type {Map<string, any>} */
  participants: new Map(),
  /** @type {Map<string, MediaStreamTrack>} */
  tracks: new Map(),
  slots: [],
  activeSpeaker: null,
  channelsLive: new Set(),
  listen: localStorage.getItem(LISTEN_KEY) ?? "floor",
  original: Number(localStorage.getItem(ORIGINAL_KEY) ?? 20),
  micOn: true,
  cameraOn: true,
  mediaState: "new",
  agenda: null, // the last "agenda" message
  agendaState: null, // the last "agenda_state" message
  moderation: null, // the last "moderation" message
  granted: false, // the chair has given us the floor
  side: null,
};
window.silkhall = page; // for the console and for tests (read-only use)

// A venue's join link opens this page too: its microphone is the room's feed.
const isVenue = location.pathname.startsWith("/venue/");
if (isVenue) document.body.classList.replace("page-delegate", "page-venue");

async function main() {
  page.strings = await loadStrings();
  setupUiLanguage();
  page.strings.apply(document);
  const { meeting, token } = joinParams(location);
  page.meetingId = meeting;
  page.token = token;
  if (isVenue) $("#venue-hint").hidden = false;
  if (!token) {
    $("#join-error").textContent = page.strings.t("join.bad_link");
    $("#join").disabled = true;
    return;
  }
  setInterval(() => { $("#clock").textContent = clockText(new Date()); }, 1000);
  await preview();
  $("#join").addEventListener("click", join);
  $("#join").disabled = false;
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    renderAll();
  });
}

async function preview(choice = {}) {
  try {
    page.stream?.getTracks().forEach((t) => t.stop());
    page.stream = await openLocalMedia(choice);
  } catch (err) {
    $("#join-error").textContent = page.strings.t("error.generic", { message: err.message });
    page.stream = new MediaStream();
  }
  $("#preview").srcObject = page.stream;
  const devices = await listDevices().catch(() => ({ audio: [], video: [] }));
  const mic = page.stream.getAudioTracks()[0];
  const cam = page.stream.getVideoTracks()[0];
  fillDevices($("#mic-select"), devices.audio, mic);
  fillDevices($("#cam-select"), devices.video, cam, page.strings.t("join.no_camera"));
  $("#mic-select").onchange = () => preview(currentChoice());
  $("#cam-select").onchange = () => preview(currentChoice());
  if (mic) {
    const ctx = new AudioContext();
    const level = trackMeter(ctx, mic);
    const meter = $("#preview-meter");
    const tick = () => {
      meter.style.width = `${meterPercent(level())}%`;
      if (!$("#prejoin").hidden) requestAnimationFrame(tick);
    };
    tick();
  }
}

function currentChoice() {
  const videoId = $("#cam-select").value;
  return { audioId: $("#mic-select").value || undefined,
           videoId: videoId && videoId !== "none" ? videoId : undefined,
           video: videoId !== "none" };
}

function fillDevices(select, devices, active, noneLabel) {
  const options = devices.map((d, i) => el("option", {
    value: d.deviceId, selected: active && active.getSettings().deviceId === d.deviceId,
  }, d.label || `${d.kind} ${i + 1}`));
  if (noneLabel) options.push(el("option", { value: "none", selected: !active }, noneLabel));
  select.replaceChildren(...options);
}

async function join() {
  $("#join").disabled = true;
  page.mixer = new AudioMixer();
  await page.mixer.resume();
  page.micOn = page.stream.getAudioTracks().length > 0;
  page.cameraOn = page.stream.getVideoTracks().length > 0;
  const signalling = new Signalling({ url: signallingUrl(location), token: page.token,
                                      meeting: page.meetingId });
  page.signalling = signalling;
  signalling.on("state", onState);
  signalling.on("welcome", onWelcome);
  signalling.on("offer", (m) => page.peer?.handleOffer(m.sdp, m.slots).then(() => applySlots(m.slots)));
  signalling.on("slots", (m) => applySlots(m.slots));
  signalling.on("participant_joined", (m) => { page.participants.set(m.participant.id, m.participant); renderTiles(); sendView(); });
  signalling.on("participant_updated", (m) => { page.participants.set(m.participant.id, m.participant); renderTiles(); });
  signalling.on("participant_left", (m) => { page.participants.delete(m.id); renderTiles(); sendView(); });
  signalling.on("active_speaker", (m) => { page.activeSpeaker = m.participant; renderTiles(); });
  signalling.on("interpretation", (m) => {
    page.interpretation = m;
    page.channelsLive = new Set(m.channels.filter((c) => c.live).map((c) => c.language));
    applyGains();
  });
  page.side = new DelegateSide($("#side"), page, { send: (m) => page.signalling.send(m) });
  signalling.on("agenda", (m) => page.side.onAgenda(m));
  signalling.on("agenda_state", (m) => page.side.onAgendaState(m));
  signalling.on("moderation", onModeration);
  const rec = new RecIndicator($("#state"), { t: (key, vars) => page.strings.t(key, vars),
                                              now: () => page.serverClock.now() });
  signalling.on("recording", (m) => { page.recording = m; rec.update(m); });
  signalling.on("error", onError);
  signalling.on("bye", (m) => showState(State.CLOSED, m.reason));
  signalling.connect();
  $("#prejoin").hidden = true;
  $("#meeting").hidden = false;
  $("#controls").hidden = false;
  setupControls();
}

function onState({ state, reason }) {
  showState(state, reason);
}

function showState(state, reason) {
  const text = page.strings.t(`state.${state}`);
  const media = page.mediaState && state === State.JOINED
    ? ` · ${page.strings.t(`media.${page.mediaState === "connected" ? "connected"
        : page.mediaState === "failed" ? "failed" : "connecting"}`)}`
    : "";
  $("#state").textContent = text + media + (reason && state !== State.JOINED ? ` (${reason})` : "");
  $("#state").dataset.state = state;
  document.body.dataset.state = state;
}

function onWelcome(message) {
  page.you = message.you;
  page.meeting = message.meeting;
  page.participants = new Map(message.participants.map((p) => [p.id, p]));
  page.participants.set(message.you.id, message.you);
  page.peer?.close();
  page.tracks.clear();
  page.peer = new MeetingPeer({
    iceServers: message.ice_servers,
    send: (m) => page.signalling.send(m),
    onTrack: onTrack,
    onState: (s) => { page.mediaState = s; showState(page.signalling.state); },
  });
  page.peer.local.mic = page.stream.getAudioTracks()[0] ?? null;
  page.peer.local.camera = page.stream.getVideoTracks()[0] ?? null;
  setMic(page.micOn);
  setCamera(page.cameraOn);
  renderTitle();
  renderListen();
  renderTiles();
  page.side.render();
  sendView();
}

function onTrack(mid, track) {
  page.tracks.set(mid, track);
  if (track.kind === "audio") {
    page.mixer.add(mid, track);
    applyGains();
  } else {
    renderTiles();
  }
}

function applySlots(slots) {
  page.slots = slots;
  applyGains();
  renderTiles();
}

function onError(message) {
  const known = ["token_expired", "bad_token", "unknown_meeting"];
  const text = known.includes(message.code)
    ? page.strings.t(`error.${message.code}`)
    : page.strings.t("error.generic", { message: message.message });
  const box = $("#join-error");
  box.textContent = text;
  if (known.includes(message.code)) {
    $("#prejoin").hidden = false;
    $("#meeting").hidden = true;
    $("#controls").hidden = true;
    page.signalling.closedByUs = true;
    page.signalling.ws?.close();
  }
  console.warn("server error", message);
}

// --- controls -------------------------------------------------------------

function setupControls() {
  $("#mic").onclick = () => setMic(!page.micOn, true);
  $("#camera").onclick = () => setCamera(!page.cameraOn, true);
  $("#leave").onclick = leave;
  const original = $("#original");
  original.value = String(page.original);
  $("#original-value").textContent = `${page.original}%`;
  original.oninput = () => {
    page.original = Number(original.value);
    localStorage.setItem(ORIGINAL_KEY, String(page.original));
    $("#original-value").textContent = `${page.original}%`;
    applyGains();
  };
  $("#listen").onchange = () => setListen($("#listen").value);
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === "m" || event.key === "M") setMic(!page.micOn, true);
  });
}

function setMic(on, announce) {
  page.micOn = on;
  const track = page.stream.getAudioTracks()[0];
  if (track) track.enabled = on;
  const button = $("#mic");
  button.setAttribute("aria-pressed", String(on));
  button.setAttribute("aria-label", page.strings.t(on ? "control.mic_on" : "control.mic_off"));
  button.classList.toggle("off", !on);
  if (announce !== false) sendMedia();
}

function setCamera(on, announce) {
  const track = page.stream.getVideoTracks()[0];
  page.cameraOn = on && !!track;
  if (track) track.enabled = page.cameraOn;
  const button = $("#camera");
  button.setAttribute("aria-pressed", String(page.cameraOn));
  button.setAttribute("aria-label",
                      page.strings.t(page.cameraOn ? "control.camera_on" : "control.camera_off"));
  button.classList.toggle("off", !page.cameraOn);
  button.disabled = !track;
  if (announce !== false) sendMedia();
}

/**
 * In a moderated meeting the chair opens delegates' microphones: given the
 * floor, ours opens; when the floor is taken back (or moderation begins), it
 * closes.
 */
function onModeration(message) {
  const wasModerated = page.moderation?.moderated ?? false;
  const wasGranted = page.granted;
  page.side.onModeration(message);
  page.granted = message.granted.some((g) => g.participant === page.you?.id);
  if (page.granted && !wasGranted) {
    setMic(true);
  } else if (!page.granted && wasGranted) {
    setMic(false);
  } else if (message.moderated && !wasModerated && !page.granted && page.micOn
             && page.you?.role === "delegate") {
    setMic(false);
  }
}

function sendMedia() {
  page.signalling?.send({ type: "media", mic: page.micOn, camera: page.cameraOn });
}

function setListen(language) {
  page.listen = language;
  localStorage.setItem(LISTEN_KEY, language);
  page.signalling.send({ type: "listen", language });
  applyGains();
}

function leave() {
  page.signalling?.leave();
  page.peer?.close();
  page.stream?.getTracks().forEach((t) => t.stop());
  $("#meeting").hidden = true;
  $("#controls").hidden = true;
  const again = el("button", { class: "primary" }, page.strings.t("left.again"));
  again.onclick = () => location.reload();
  $("#prejoin").replaceChildren(el("h2", {}, page.strings.t("state.closed")), again);
  $("#prejoin").hidden = false;
}

// --- what we hear ---------------------------------------------------------

/**
 * Floor mode: the open microphones at full level. Interpretation mode (a
 * language whose interpreter is live): the channel at full level with the
 * original underneath at the slider's level.
 */
function applyGains() {
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

function renderListen() {
  const select = $("#listen");
  const languages = page.meeting.languages;
  select.replaceChildren(languageSelect(languages, page.strings.t("listen.floor"), page.listen));
  if (page.listen !== "floor" && !languages.some((l) => l.code === page.listen)) {
    page.listen = "floor";
  }
  select.value = page.listen;
  if (page.listen !== "floor") page.signalling.send({ type: "listen", language: page.listen });
  applyGains();
}

// --- what we see ----------------------------------------------------------

function renderTitle() {
  const title = page.meeting.title;
  const text = title[page.strings.lang] ?? title.en ?? Object.values(title)[0];
  $("#title").textContent = text;
  document.title = `${text} — silkhall`;
}

function visibleParticipants() {
  return [...page.participants.values()].filter((p) => p.role !== "interpreter");
}

function sendView() {
  if (!page.signalling || !page.you) return;
  const ids = visibleParticipants().filter((p) => p.id !== page.you.id).slice(0, 9).map((p) => p.id);
  page.signalling.send({ type: "view", participants: ids });
}

function renderAll() {
  if (!page.meeting) return;
  renderTitle();
  renderListen();
  renderTiles();
  page.side?.render();
  setMic(page.micOn, false);
  setCamera(page.cameraOn, false);
  showState(page.signalling?.state ?? State.CONNECTING);
}

function venueName(id) {
  const venue = page.meeting?.venues.find((v) => v.id === id);
  return venue ? `${venue.name} · ${venue.city}` : "";
}

function renderTiles() {
  if (!page.meeting || !page.you) return;
  const container = $("#tiles");
  const byParticipant = new Map();
  for (const slot of page.slots) {
    if (slot.kind === "video" && slot.use === "video" && slot.participant) {
      byParticipant.set(slot.participant, slot.mid);
    }
  }
  const people = visibleParticipants();
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
    tile.querySelector(".where").textContent = person.venue ? venueName(person.venue)
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

window.addEventListener("load", () => { main().catch((err) => console.error(err)); });
