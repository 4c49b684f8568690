// The interpreter console: hear the floor or a relay, speak into the booth's
// A or B channel, cough, hand over to the partner, talk to the booth.
// The booth's state lives on the server (booth_state); this page renders it
// (console-view.js) and sends console_* requests (console-controls.js). The
// microphone is sent all the time: the server decides when it is on air.
// Keyboard shortcuts: docs/console.md.

import { joinParams, signallingUrl, Signalling, State } from "./protocol.js";
import { AudioMixer, MeetingPeer, listDevices, trackMeter } from "./media.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $, el, clockText } from "./ui.js";
import { me, partnerLive, slotOf, upper } from "./console-booth.js";
import { ConsoleView } from "./console-view.js";
import { ConsoleControls } from "./console-controls.js";

const VOLUME_KEY = "silkhall.console.volume";
const MIC_KEY = "silkhall.console.mic";
const FATAL = ["token_expired", "bad_token", "unknown_meeting", "wrong_meeting", "forbidden"];

const page = {
  strings: null,
  signalling: null,
  peer: null,
  mixer: null,
  stream: null,
  meeting: null,
  you: null,
  /** this booth's {id, a, b, understands} from the welcome */
  boothInfo: null,
  /** the latest booth_state */
  booth: null,
  /** the latest interpretation message */
  interpretation: null,
  participants: new Map(),
  /** @type {Map<string, MediaStreamTrack>} */
  tracks: new Map(),
  slots: [],
  volume: Number(localStorage.getItem(VOLUME_KEY) ?? 80),
  mediaState: "new",
  handoverDeadline: 0, // performance.now() at which the pending handover happens
  coughHeld: false,
  requestedOutput: null,
  refused: null, // {output, until}: an output the server refused, shown for a while
  micLevel: () => 0,
  /** @type {string[]} every key of the incoming selector, in order */
  sources: [],
  alertTimer: null,
  /** @type {?ConsoleView} */
  view: null,
  /** @type {?ConsoleControls} */
  controls: null,
};
window.silkhall = page; // for tests and debugging (read-only use)

const ctx = {
  page,
  t: (key, vars) => page.strings.t(key, vars),
  send: (message) => page.signalling?.send(message) ?? false,
  render: () => page.view.render(),
  setVolume,
  chooseMic,
};
const { t } = ctx;

async function main() {
  page.strings = await loadStrings();
  page.view = new ConsoleView(ctx);
  setupUiLanguage();
  page.strings.apply(document);
  const { meeting, token } = joinParams(location);
  if (!token) {
    showAlert(t("join.bad_link"), true);
    return;
  }
  setInterval(() => { $("#clock").textContent = clockText(new Date()); }, 1000);
  $("#clock").textContent = clockText(new Date());
  page.controls = new ConsoleControls(ctx);
  page.mixer = new AudioMixer();
  watchAudioUnlock();
  await openMic(localStorage.getItem(MIC_KEY) || undefined);
  const signalling = new Signalling({ url: signallingUrl(location), token, meeting });
  page.signalling = signalling;
  signalling.on("state", ({ state, reason }) => showState(state, reason));
  signalling.on("welcome", onWelcome);
  signalling.on("offer", (m) => page.peer?.handleOffer(m.sdp, m.slots).then(() => applySlots(m.slots)));
  signalling.on("slots", (m) => applySlots(m.slots));
  signalling.on("participant_joined", (m) => { page.participants.set(m.participant.id, m.participant); page.view.renderVideo(); });
  signalling.on("participant_updated", (m) => { page.participants.set(m.participant.id, m.participant); });
  signalling.on("participant_left", (m) => { page.participants.delete(m.id); page.view.renderVideo(); });
  signalling.on("booth_state", onBoothState);
  signalling.on("interpretation", (m) => { page.interpretation = m; page.view.render(); });
  signalling.on("booth_chat", onChat);
  signalling.on("slow_down", onSlowDown);
  signalling.on("error", onError);
  signalling.on("bye", (m) => showState(State.CLOSED, m.reason));
  signalling.connect();
  window.addEventListener("pagehide", () => page.signalling?.leave());
  window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
  requestAnimationFrame(() => page.view.meters());
  setInterval(() => page.view.renderCountdown(), 200);
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    page.view.buildSources();
    page.view.render();
    page.view.renderVideo();
    showState(page.signalling?.state ?? State.CONNECTING);
  });
}

// --- devices and media ------------------------------------------------------

async function openMic(deviceId) {
  // No browser processing: interpreters wear headsets, and noise suppression
  // or gain control would colour the voice listeners hear.
  const audio = { echoCancellation: false, noiseSuppression: false, autoGainControl: false,
                  ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio, video: false });
  } catch (err) {
    if (deviceId) return openMic(undefined);
    showAlert(t("console.err_no_mic", { message: err.message }));
    return;
  }
  page.stream?.getTracks().forEach((track) => track.stop());
  page.stream = stream;
  const track = stream.getAudioTracks()[0];
  page.micLevel = trackMeter(page.mixer.ctx, track);
  await page.peer?.setLocal("mic", track);
  const devices = await listDevices().catch(() => ({ audio: [] }));
  const current = track.getSettings().deviceId;
  $("#mic-select").replaceChildren(...devices.audio.map((d, i) => el("option", {
    value: d.deviceId, selected: d.deviceId === current }, d.label || `${t("console.mic_device")} ${i + 1}`)));
  page.view.render();
}

/** The device picked in the selector, remembered for the next visit. */
function chooseMic(deviceId) {
  localStorage.setItem(MIC_KEY, deviceId);
  openMic(deviceId);
}

function watchAudioUnlock() {
  const unlock = () => page.mixer.resume().then(() => {
    $("#audio-unlock").hidden = page.mixer.ctx.state === "running";
  });
  $("#audio-unlock").hidden = page.mixer.ctx.state === "running";
  page.mixer.ctx.onstatechange = () => { $("#audio-unlock").hidden = page.mixer.ctx.state === "running"; };
  document.addEventListener("pointerdown", unlock, { capture: true });
  document.addEventListener("keydown", unlock, { capture: true });
  unlock();
}

function onWelcome(message) {
  page.you = message.you;
  page.meeting = message.meeting;
  page.boothInfo = message.meeting.booths.find((b) => b.id === message.you.booth) ?? null;
  page.participants = new Map(message.participants.map((p) => [p.id, p]));
  page.peer?.close();
  page.tracks.clear();
  page.slots = [];
  page.peer = new MeetingPeer({
    iceServers: message.ice_servers,
    send: (m) => page.signalling.send(m),
    onTrack,
    onState: (s) => { page.mediaState = s; showState(page.signalling.state); },
  });
  page.peer.local.mic = page.stream?.getAudioTracks()[0] ?? null;
  page.view.buildSources();
  page.view.render();
}

function onTrack(mid, track) {
  page.tracks.set(mid, track);
  if (track.kind === "audio") page.mixer.add(mid, track);
  applySlots(page.slots);
}

function applySlots(slots) {
  page.slots = slots;
  const incoming = slotOf(page, "incoming");
  if (incoming) page.mixer.setGain(incoming.mid, page.volume / 100);
  page.view.renderVideo();
}

function setVolume(value) {
  page.volume = Math.max(0, Math.min(100, Math.round(value)));
  localStorage.setItem(VOLUME_KEY, String(page.volume));
  $("#volume").value = String(page.volume);
  $("#volume-value").textContent = `${page.volume}%`;
  applySlots(page.slots);
}

// --- server messages ----------------------------------------------------------

function onBoothState(message) {
  const before = page.booth;
  page.booth = message;
  if (message.handover) {
    page.handoverDeadline = performance.now() + message.handover.remaining * 1000;
  }
  if (page.coughHeld && message.live !== me(page)) page.coughHeld = false;
  if (before && before.live !== me(page) && message.live === me(page)) clearAlert();
  page.view.render();
}

function onChat(message) {
  const own = message.sender === me(page);
  addChatLine(el("li", { class: own ? "own" : "" },
    el("time", {}, clockText(new Date(message.at * 1000))), " ",
    el("b", {}, own ? t("tile.you") : message.name), " ",
    el("span", { class: "text" }, message.text)));
}

function onSlowDown(message) {
  const text = message.sender === me(page) ? t("console.slow_sent")
    : t("console.slow_from", { name: message.name });
  addChatLine(el("li", { class: "system" }, el("time", {}, clockText(new Date())), " ", text));
}

function addChatLine(item) {
  const list = $("#chat");
  list.append(item);
  while (list.children.length > 200) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

function onError(message) {
  console.warn("server error", message);
  if (FATAL.includes(message.code) && !page.you) {
    const known = ["token_expired", "bad_token", "unknown_meeting"].includes(message.code);
    showAlert(known ? t(`error.${message.code}`) : t("error.generic", { message: message.message }), true);
    page.signalling.closedByUs = true;
    page.signalling.ws?.close();
    return;
  }
  let text = t("error.generic", { message: message.message });
  if (message.code === "interlock" && message.ref === "console_mic") {
    text = partnerLive(page) ? t("console.err_partner_live")
      : t("console.err_channel_taken", { lang: upper(page.booth?.output_language) });
  } else if (message.code === "interlock" && message.ref === "console_output") {
    const output = page.requestedOutput;
    const language = output === "B" ? page.booth?.b : page.booth?.a;
    page.refused = { output, until: performance.now() + 5000 };
    text = t("console.err_output_taken", { lang: upper(language) });
    setTimeout(() => page.view.render(), 5100);
  }
  showAlert(text);
  page.view.render();
}

function showAlert(text, sticky) {
  $("#alert").textContent = text;
  clearTimeout(page.alertTimer);
  if (!sticky) page.alertTimer = setTimeout(clearAlert, 6000);
}

function clearAlert() { $("#alert").textContent = ""; }

function showState(state, reason) {
  const media = state === State.JOINED
    ? ` · ${t(`media.${page.mediaState === "connected" ? "connected"
        : page.mediaState === "failed" ? "failed" : "connecting"}`)}` : "";
  $("#state").textContent = t(`state.${state}`) + media
    + (reason && state !== State.JOINED ? ` (${reason})` : "");
  $("#state").dataset.state = state;
  document.body.dataset.state = state;
  if (state !== State.JOINED) {
    // Off the server, nobody here is on air: the state comes back with the
    // next booth_state after reconnecting.
    page.booth = null;
    page.coughHeld = false;
  }
  page.view.render();
}

window.addEventListener("load", () => { main().catch((err) => console.error(err)); });
