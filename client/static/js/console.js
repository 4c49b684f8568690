// The interpreter console: hear the floor or a relay, speak into the booth's
// A or B channel, cough, hand over to the partner, talk to the booth.
// The booth's state lives on the server (booth_state); this page renders it
// and sends console_* requests. The microphone is sent all the time: the
// server decides when it is on air. Keyboard shortcuts: docs/console.md.

import { joinParams, signallingUrl, Signalling, State } from "./protocol.js";
import { AudioMixer, MeetingPeer, listDevices, meterPercent, trackMeter } from "./media.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $, el, clockText } from "./ui.js";

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
};
window.silkhall = page; // for tests and debugging (read-only use)

const t = (key, vars) => page.strings.t(key, vars);
const send = (message) => page.signalling?.send(message) ?? false;
const me = () => page.you?.id ?? null;
const isLive = () => !!page.booth && page.booth.live === me();
const partnerLive = () => !!page.booth?.live && !isLive();
const upper = (code) => (code ?? "").toUpperCase();
const langName = (code) => page.meeting?.languages.find((l) => l.code === code)?.name ?? upper(code);
const slotOf = (use) => page.slots.find((s) => s.use === use);

async function main() {
  page.strings = await loadStrings();
  setupUiLanguage();
  page.strings.apply(document);
  const { meeting, token } = joinParams(location);
  if (!token) {
    showAlert(t("join.bad_link"), true);
    return;
  }
  setInterval(() => { $("#clock").textContent = clockText(new Date()); }, 1000);
  $("#clock").textContent = clockText(new Date());
  setupControls();
  page.mixer = new AudioMixer();
  watchAudioUnlock();
  await openMic(localStorage.getItem(MIC_KEY) || undefined);
  const signalling = new Signalling({ url: signallingUrl(location), token, meeting });
  page.signalling = signalling;
  signalling.on("state", ({ state, reason }) => showState(state, reason));
  signalling.on("welcome", onWelcome);
  signalling.on("offer", (m) => page.peer?.handleOffer(m.sdp, m.slots).then(() => applySlots(m.slots)));
  signalling.on("slots", (m) => applySlots(m.slots));
  signalling.on("participant_joined", (m) => { page.participants.set(m.participant.id, m.participant); renderVideo(); });
  signalling.on("participant_updated", (m) => { page.participants.set(m.participant.id, m.participant); });
  signalling.on("participant_left", (m) => { page.participants.delete(m.id); renderVideo(); });
  signalling.on("booth_state", onBoothState);
  signalling.on("interpretation", (m) => { page.interpretation = m; render(); });
  signalling.on("booth_chat", onChat);
  signalling.on("slow_down", onSlowDown);
  signalling.on("error", onError);
  signalling.on("bye", (m) => showState(State.CLOSED, m.reason));
  signalling.connect();
  window.addEventListener("pagehide", () => page.signalling?.leave());
  window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
  requestAnimationFrame(meters);
  setInterval(renderCountdown, 200);
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    buildSources();
    render();
    renderVideo();
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
  render();
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
  buildSources();
  render();
}

function onTrack(mid, track) {
  page.tracks.set(mid, track);
  if (track.kind === "audio") page.mixer.add(mid, track);
  applySlots(page.slots);
}

function applySlots(slots) {
  page.slots = slots;
  const incoming = slotOf("incoming");
  if (incoming) page.mixer.setGain(incoming.mid, page.volume / 100);
  renderVideo();
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
  if (page.coughHeld && message.live !== me()) page.coughHeld = false;
  if (before && before.live !== me() && message.live === me()) clearAlert();
  render();
}

function onChat(message) {
  const own = message.sender === me();
  addChatLine(el("li", { class: own ? "own" : "" },
    el("time", {}, clockText(new Date(message.at * 1000))), " ",
    el("b", {}, own ? t("tile.you") : message.name), " ",
    el("span", { class: "text" }, message.text)));
}

function onSlowDown(message) {
  const text = message.sender === me() ? t("console.slow_sent")
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
    text = partnerLive() ? t("console.err_partner_live")
      : t("console.err_channel_taken", { lang: upper(page.booth?.output_language) });
  } else if (message.code === "interlock" && message.ref === "console_output") {
    const output = page.requestedOutput;
    const language = output === "B" ? page.booth?.b : page.booth?.a;
    page.refused = { output, until: performance.now() + 5000 };
    text = t("console.err_output_taken", { lang: upper(language) });
    setTimeout(render, 5100);
  }
  showAlert(text);
  render();
}

let alertTimer = null;
function showAlert(text, sticky) {
  $("#alert").textContent = text;
  clearTimeout(alertTimer);
  if (!sticky) alertTimer = setTimeout(clearAlert, 6000);
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
  render();
}

// --- actions ------------------------------------------------------------------

function toggleMic() {
  if (!page.booth) return;
  send({ type: "console_mic", on: !isLive() });
}

function cough(held) {
  if (held === page.coughHeld) return;
  if (held && !isLive()) return;
  page.coughHeld = held;
  send({ type: "console_cough", held });
  render();
}

function setOutput(output) {
  if (!page.booth || (output === "B" && !page.booth.b)) return;
  page.requestedOutput = output;
  send({ type: "console_output", output });
}

function setSource(source) {
  if (!page.booth || source === page.booth.output_language) return;
  send({ type: "console_incoming", source });
}

function handoverKey() {
  const h = page.booth?.handover;
  if (isLive() && h) send({ type: "handover_accept" });
  else if (partnerLive() && !(h && h.requester === me())) send({ type: "handover_request" });
}

function handoverCancel() {
  const h = page.booth?.handover;
  if (h && (isLive() || h.requester === me())) send({ type: "handover_cancel" });
}

function slowDown() {
  if (!send({ type: "slow_down" })) return;
  const button = $("#slow-down");
  button.disabled = true;
  setTimeout(() => { button.disabled = false; }, 3000);
}

function setupControls() {
  $("#mic").onclick = toggleMic;
  const coughButton = $("#cough");
  coughButton.addEventListener("pointerdown", (e) => { coughButton.setPointerCapture(e.pointerId); cough(true); });
  for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
    coughButton.addEventListener(type, () => cough(false));
  }
  coughButton.addEventListener("keydown", (e) => {
    if (e.key === " " || e.key === "Enter") { e.preventDefault(); e.stopPropagation(); if (!e.repeat) cough(true); }
  });
  coughButton.addEventListener("keyup", (e) => {
    if (e.key === " " || e.key === "Enter") { e.preventDefault(); cough(false); }
  });
  coughButton.addEventListener("blur", () => cough(false));
  window.addEventListener("blur", () => cough(false));
  for (const button of document.querySelectorAll("#outputs button")) {
    button.onclick = () => setOutput(button.dataset.output);
  }
  $("#handover-request").onclick = () => send({ type: "handover_request" });
  $("#handover-accept").onclick = () => send({ type: "handover_accept" });
  $("#handover-decline").onclick = handoverCancel;
  $("#handover-cancel").onclick = handoverCancel;
  $("#slow-down").onclick = slowDown;
  $("#chat-form").onsubmit = (e) => {
    e.preventDefault();
    const text = $("#chat-input").value.trim();
    if (text && send({ type: "booth_chat", text: text.slice(0, 500) })) $("#chat-input").value = "";
  };
  setVolume(page.volume);
  $("#volume").oninput = () => setVolume(Number($("#volume").value));
  $("#mic-select").onchange = () => {
    localStorage.setItem(MIC_KEY, $("#mic-select").value);
    openMic($("#mic-select").value);
  };
  $("#help-toggle").onclick = () => toggleHelp();
  $("#unlock").onclick = () => page.mixer?.resume();
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", (e) => { if (e.key === "c" || e.key === "C") cough(false); });
}

function toggleHelp(open) {
  const help = $("#help");
  help.hidden = open === undefined ? !help.hidden : !open;
  $("#help-toggle").setAttribute("aria-expanded", String(!help.hidden));
}

function onKeyDown(e) {
  const target = e.target;
  const typing = target instanceof HTMLInputElement && target.type !== "range"
    || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
  if (e.key === "Escape") {
    if (typing) target.blur();
    else if (!$("#help").hidden) toggleHelp(false);
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  // Space and arrows keep their own meaning on the control that has the focus.
  const ownsSpace = target instanceof HTMLButtonElement || target instanceof HTMLInputElement;
  const ownsArrows = target instanceof HTMLInputElement;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === "c") { e.preventDefault(); if (!e.repeat) cough(true); return; }
  if (e.repeat) return;
  const actions = {
    m: toggleMic,
    h: handoverKey,
    d: handoverCancel,
    a: () => setOutput("A"),
    b: () => setOutput("B"),
    s: slowDown,
    t: () => $("#chat-input").focus(),
    "?": () => toggleHelp(),
  };
  if (key === " " && !ownsSpace) actions[" "] = toggleMic;
  if (key === "ArrowUp" && !ownsArrows) actions.ArrowUp = () => setVolume(page.volume + 5);
  if (key === "ArrowDown" && !ownsArrows) actions.ArrowDown = () => setVolume(page.volume - 5);
  if (/^[1-9]$/.test(key)) actions[key] = () => page.sources[Number(key) - 1] && setSource(page.sources[Number(key) - 1]);
  const action = actions[key];
  if (action) { e.preventDefault(); action(); }
}

// --- rendering ------------------------------------------------------------------

/** The incoming selector: Auto, Floor, then a relay from each language channel. */
function buildSources() {
  if (!page.meeting) return;
  page.sources = ["auto", "floor", ...page.meeting.languages.map((l) => l.code)];
  $("#sources").replaceChildren(...page.sources.map((source, i) => {
    const label = source === "auto" ? t("console.source_auto")
      : source === "floor" ? t("console.source_floor") : langName(source);
    const button = el("button", { class: "source", dataset: { source }, "aria-pressed": "false",
                                  lang: source.length <= 3 ? source : null,
                                  title: `${label} (${i + 1})` },
      el("span", { class: "live-dot", "aria-hidden": "true" }), label);
    button.onclick = () => setSource(source);
    return button;
  }));
}

function incomingText(incoming) {
  const lang = upper(incoming.language);
  if (incoming.source === "floor") return lang ? t("console.in_floor", { lang }) : t("console.in_floor_unknown");
  const src = upper(incoming.source);
  if (incoming.steps === 0) return t("console.in_idle_channel", { src, lang: lang || "?" });
  return t(incoming.steps === 1 ? "console.in_relay_one" : "console.in_relay_many",
           { src, steps: incoming.steps });
}

function renderTitle() {
  if (!page.meeting) return;
  const title = page.meeting.title;
  const text = title[page.strings.lang] ?? title.en ?? Object.values(title)[0];
  $("#title").textContent = text;
  document.title = `${text} — ${t("console.title")}`;
}

function render() {
  renderTitle();
  const booth = page.booth;
  const joined = page.signalling?.state === State.JOINED && !!booth;
  const interpreters = booth?.interpreters ?? [];
  $("#booth-label").textContent = booth
    ? t("console.booth", { booth: booth.booth, a: upper(booth.a), b: booth.b ? `/${upper(booth.b)}` : "" }) : "";

  // Incoming
  if (!booth) {
    $("#incoming-display").textContent = "—";
    $("#incoming-mode").textContent = "";
    $("#warn-relay").hidden = true;
    $("#warn-floor").hidden = true;
    for (const button of document.querySelectorAll("#sources button")) button.disabled = true;
  } else {
    const incoming = booth.incoming;
    $("#incoming-display").textContent = incomingText(incoming);
    $("#incoming-display").dataset.source = incoming.source;
    $("#incoming-mode").textContent = incoming.mode === "auto" ? t("console.source_auto") : t("console.manual");
    const relay = $("#warn-relay");
    relay.hidden = incoming.available;
    relay.textContent = incoming.mode === "auto"
      ? t("console.warn_no_relay", { lang: upper(booth.floor_language) || "?" })
      : incoming.steps === 0 ? t("console.warn_idle_channel", { src: upper(incoming.source) })
        : t("console.warn_relay_broken", { src: upper(incoming.source) });
    const floor = booth.floor_language;
    const understood = !floor || (page.boothInfo?.understands ?? []).includes(floor);
    const warnFloor = $("#warn-floor");
    warnFloor.hidden = understood;
    const hearingFloor = incoming.steps === 0;
    warnFloor.classList.toggle("bad", hearingFloor);
    warnFloor.textContent = t(hearingFloor ? "console.warn_floor" : "console.note_floor", { lang: upper(floor) });
    const pressed = incoming.mode === "auto" ? "auto" : incoming.source;
    const channels = new Map((page.interpretation?.channels ?? []).map((c) => [c.language, c]));
    for (const button of document.querySelectorAll("#sources button")) {
      const source = button.dataset.source;
      button.setAttribute("aria-pressed", String(source === pressed));
      button.disabled = !joined || source === booth.output_language;
      button.classList.toggle("live", !!channels.get(source)?.live);
    }
  }

  // Microphone, on-air light, cough
  const live = isLive();
  const onair = $("#onair");
  let state = "off";
  if (!joined) state = "offline";
  else if (live && !booth.signal) state = "nosignal";
  else if (live && booth.cough) state = "cough";
  else if (live) state = "live";
  else if (partnerLive()) state = "partner";
  onair.dataset.state = state;
  onair.textContent = t(`console.onair_${state}`);
  document.body.dataset.onair = state;
  const mic = $("#mic");
  mic.disabled = !joined || !page.stream;
  mic.setAttribute("aria-pressed", String(live));
  mic.dataset.state = live ? "on" : partnerLive() ? "partner" : "off";
  $("#mic-text").textContent = !page.stream ? t("console.no_mic")
    : live ? t("console.mic_is_on") : partnerLive() ? t("console.mic_partner") : t("console.mic_is_off");
  const coughButton = $("#cough");
  coughButton.disabled = !live;
  coughButton.setAttribute("aria-pressed", String(!!(live && (booth.cough || page.coughHeld))));

  // Outputs A/B
  const channels = page.interpretation?.channels ?? [];
  for (const output of ["A", "B"]) {
    const button = $(`#out-${output}`);
    const code = booth ? (output === "A" ? booth.a : booth.b) : null;
    button.hidden = !!booth && !code;
    button.disabled = !joined || !code;
    button.setAttribute("aria-pressed", String(!!booth && booth.output === output));
    const name = button.querySelector(".lang-name");
    name.textContent = code ? langName(code) : "";
    name.lang = code ?? "";
    const busy = channels.find((c) => c.language === code && c.live && c.booth !== booth?.booth);
    const refused = page.refused && page.refused.output === output && performance.now() < page.refused.until;
    button.dataset.busy = refused ? "refused" : busy ? "busy" : "";
    const busyText = busy ? t("console.busy", { booth: busy.booth }) : "";
    button.querySelector(".busy").textContent = refused
      ? [t("console.refused"), busyText].filter(Boolean).join(" · ") : busyText;
  }

  // The booth's interpreters
  $("#interpreters").replaceChildren(...interpreters.map((i) => el("li", { class: i.live ? "live" : "" },
    el("span", { class: "dot", "aria-hidden": "true" }),
    i.id === me() ? `${i.name} (${t("tile.you")})` : i.name, " — ",
    i.live ? t("console.member_live") : t("console.member_off"))));

  renderHandover();
  renderChannels();
}

function renderHandover() {
  const booth = page.booth;
  const h = booth?.handover ?? null;
  const live = isLive();
  const mine = !!h && h.requester === me();
  const liveName = booth?.interpreters.find((i) => i.id === booth.live)?.name ?? "";
  $("#handover-request").hidden = !(partnerLive() && !mine);
  $("#handover-accept").hidden = !(live && h);
  $("#handover-decline").hidden = !(live && h);
  $("#handover-cancel").hidden = !mine;
  $("#handover").dataset.state = !h ? "none" : live ? "incoming" : mine ? "waiting" : "other";
  $("#handover-text").textContent = !h ? ""
    : live ? t("console.handover_incoming", { name: h.name })
      : mine ? t("console.handover_waiting", { name: liveName })
        : t("console.handover_other", { name: h.name, live: liveName });
  $("#handover-count").hidden = !h;
  renderCountdown();
}

function renderCountdown() {
  const count = $("#handover-count");
  if (!page.booth?.handover) return;
  const seconds = Math.max(0, Math.ceil((page.handoverDeadline - performance.now()) / 1000));
  const text = t("console.handover_countdown", { seconds });
  if (count.textContent !== text) count.textContent = text;
}

function renderChannels() {
  const channels = page.interpretation?.channels ?? [];
  const floor = page.interpretation?.floor_language;
  $("#channels").replaceChildren(
    el("li", { class: "floor" }, t("console.source_floor"), " · ", upper(floor) || "?"),
    ...channels.map((c) => el("li", { class: c.live ? "live" : "" },
      el("span", { class: "dot", "aria-hidden": "true" }),
      el("span", { lang: c.language }, c.name), ` ${upper(c.language)} — `,
      c.live ? t("console.channel_live", { booth: c.booth }) + (c.cough ? ` · ${t("console.cough")}` : "")
        : t("console.channel_floor"))));
}

function renderVideo() {
  const slot = page.slots.find((s) => s.use === "video" && s.kind === "video" && s.participant);
  const track = slot ? page.tracks.get(slot.mid) ?? null : null;
  const video = $("#speaker-video");
  const current = video.srcObject?.getTracks?.()[0] ?? null;
  if (track !== current) video.srcObject = track ? new MediaStream([track]) : null;
  video.closest("figure").classList.toggle("has-video", !!track);
  const who = slot ? page.participants.get(slot.participant) : null;
  $("#speaker-name").textContent = track && who ? who.name : t("console.no_video");
}

function meters() {
  const mic = page.micLevel();
  $("#meter-mic").style.width = `${meterPercent(mic)}%`;
  const airborne = isLive() && !page.booth.cough && !page.coughHeld;
  $("#meter-output").style.width = `${airborne ? meterPercent(mic) : 0}%`;
  const incoming = slotOf("incoming");
  const level = incoming && page.mixer ? page.mixer.level(incoming.mid) * page.volume / 100 : 0;
  $("#meter-incoming").style.width = `${meterPercent(level)}%`;
  requestAnimationFrame(meters);
}

window.addEventListener("load", () => { main().catch((err) => console.error(err)); });
