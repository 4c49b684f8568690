// The delegate page (also the browser fallback for a venue): join with a
// camera and microphone, see and hear the meeting, pick a language.

import { joinParams, signallingUrl, Signalling, State } from "./protocol.js";
import { AudioMixer, MeetingPeer } from "./media.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $, el, clockText } from "./ui.js";
import { DelegateSide } from "./delegate-agenda.js";
import { RecIndicator } from "./rec-indicator.js";
import { preview, relabelDevices } from "./delegate-devices.js";
import { applyGains, renderListen, savedListening, setupListening } from "./delegate-listen.js";
import { onModeration, setCamera, setMic, setupMicCamera } from "./delegate-mic.js";
import { renderTiles, renderTitle, sendView } from "./delegate-tiles.js";

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
  ...savedListening(), // listen: "floor" or a language code; original: its level in %
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
  await preview(page);
  $("#join").addEventListener("click", join);
  $("#join").disabled = false;
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    relabelDevices(page);
    renderAll();
  });
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
  signalling.on("participant_joined", (m) => {
    page.participants.set(m.participant.id, m.participant);
    renderTiles(page);
    sendView(page);
  });
  signalling.on("participant_updated", (m) => {
    page.participants.set(m.participant.id, m.participant);
    renderTiles(page);
  });
  signalling.on("participant_left", (m) => {
    page.participants.delete(m.id);
    renderTiles(page);
    sendView(page);
  });
  signalling.on("active_speaker", (m) => { page.activeSpeaker = m.participant; renderTiles(page); });
  signalling.on("interpretation", (m) => {
    page.interpretation = m;
    page.channelsLive = new Set(m.channels.filter((c) => c.live).map((c) => c.language));
    applyGains(page);
  });
  page.side = new DelegateSide($("#side"), page, { send: (m) => page.signalling.send(m) });
  signalling.on("agenda", (m) => page.side.onAgenda(m));
  signalling.on("agenda_state", (m) => page.side.onAgendaState(m));
  signalling.on("moderation", (m) => onModeration(page, m));
  const rec = new RecIndicator($("#state"), { t: (key, vars) => page.strings.t(key, vars),
                                              now: () => page.serverClock.now() });
  signalling.on("recording", (m) => { page.recording = m; rec.update(m); });
  signalling.on("error", onError);
  signalling.on("bye", (m) => showState(State.CLOSED, m.reason));
  signalling.connect();
  $("#prejoin").hidden = true;
  $("#meeting").hidden = false;
  $("#controls").hidden = false;
  setupMicCamera(page);
  $("#leave").onclick = leave;
  setupListening(page);
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
  setMic(page, page.micOn);
  setCamera(page, page.cameraOn);
  renderTitle(page);
  renderListen(page);
  renderTiles(page);
  page.side.render();
  sendView(page);
}

function onTrack(mid, track) {
  page.tracks.set(mid, track);
  if (track.kind === "audio") {
    page.mixer.add(mid, track);
    applyGains(page);
  } else {
    renderTiles(page);
  }
}

function applySlots(slots) {
  page.slots = slots;
  applyGains(page);
  renderTiles(page);
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

function renderAll() {
  if (!page.meeting) return;
  renderTitle(page);
  renderListen(page);
  renderTiles(page);
  page.side?.render();
  setMic(page, page.micOn, false);
  setCamera(page, page.cameraOn, false);
  showState(page.signalling?.state ?? State.CONNECTING);
}

window.addEventListener("load", () => { main().catch((err) => console.error(err)); });
