// The live panel of the organiser page: joins the meeting over the
// signalling WebSocket (no camera or microphone needed) and runs it: the
// agenda (live-agenda.js), the floor language, moderated mode with the
// request-to-speak queue (live-moderation.js), slow-down notices and
// channel states. The chair may also hear the floor and speak
// (live-audio.js).

import { signallingUrl, Signalling, State } from "./protocol.js";
import { MeetingPeer } from "./media.js";
import { $, el } from "./ui.js";
import { ServerClock, hm } from "./agenda-time.js";
import { languageCodes, languageName } from "./languages.js";
import { LiveAgenda } from "./live-agenda.js";
import { LiveModeration } from "./live-moderation.js";
import { LiveAudio } from "./live-audio.js";

const MAX_SLOW_DOWNS = 6;
const OTHER_PANELS_REFS = new Set(["media_play", "media_pause", "media_resume", "media_stop",
                                   "mute_feed"]);

export class LivePanel {
  /** @param {HTMLElement} root @param {any} ctx the organiser page's context */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.page = ctx.page;
    this.clock = new ServerClock();
    Object.assign(this.page, { agenda: null, agendaState: null, moderation: null,
                               interpretation: null, slowDowns: [], participants: new Map(),
                               serverClock: this.clock, meeting: null });
    this.peer = null;
    this.errorTimer = null;
    this.agenda = new LiveAgenda(this);
    this.moderation = new LiveModeration(this);
    this.audio = new LiveAudio(this);
    $("#floor-language").onchange = (event) => {
      if (event.target.value) this.send({ type: "set_floor_language", language: event.target.value });
    };
    setInterval(() => this.tick(), 250);
    this.render();
  }

  get t() { return this.ctx.t; }

  connect() {
    const page = this.page;
    const signalling = new Signalling({ url: signallingUrl(location), token: page.token,
                                        meeting: page.meetingId });
    page.signalling = signalling;
    signalling.on("state", ({ state, reason }) => this.showState(state, reason));
    signalling.on("welcome", (m) => {
      page.you = m.you;
      page.meeting = m.meeting;
      page.participants = new Map(m.participants.map((p) => [p.id, p]));
      this.peer?.close();
      this.peer = new MeetingPeer({ iceServers: m.ice_servers, send: (x) => signalling.send(x),
                                    onTrack: (mid, track) => this.audio.onTrack(mid, track) });
      page.peer = this.peer;
      this.audio.attach(this.peer);
      this.renderFloorChoices();
    });
    signalling.on("offer", (m) => {
      this.peer?.handleOffer(m.sdp, m.slots).then(() => this.audio.applySlots(m.slots));
    });
    signalling.on("slots", (m) => this.audio.applySlots(m.slots));
    signalling.on("participant_joined", (m) => page.participants.set(m.participant.id, m.participant));
    signalling.on("participant_updated", (m) => page.participants.set(m.participant.id, m.participant));
    signalling.on("participant_left", (m) => page.participants.delete(m.id));
    signalling.on("agenda", (m) => {
      page.agenda = m;
      this.agenda.renderItems();
      this.agenda.renderNow();
      this.ctx.refreshSoon();
    });
    signalling.on("agenda_state", (m) => {
      this.clock.sync(m.server_time);
      page.agendaState = m;
      this.agenda.renderItems();
      this.agenda.renderNow();
      this.renderFloor();
    });
    signalling.on("moderation", (m) => {
      this.clock.sync(m.server_time);
      page.moderation = m;
      this.moderation.render();
    });
    signalling.on("interpretation", (m) => {
      page.interpretation = m;
      this.renderFloor();
      this.renderChannels();
    });
    signalling.on("slow_down", (m) => this.slowDown(m));
    signalling.on("error", (m) => {
      // Refused media and feed requests are shown by their own panels.
      if (!OTHER_PANELS_REFS.has(m.ref)) this.showError(m);
    });
    signalling.on("bye", (m) => this.showState(State.CLOSED, m.reason));
    signalling.connect();
    window.addEventListener("pagehide", () => signalling.leave());
  }

  send(message) {
    if (!this.page.signalling?.send(message)) this.showError({ message: this.t("live.offline") });
  }

  render() {
    this.showState(this.page.signalling?.state ?? State.CONNECTING);
    this.renderFloorChoices();
    this.agenda.renderItems();
    this.agenda.renderNow();
    this.renderFloor();
    this.moderation.render();
    this.renderChannels();
    this.renderSlowDowns();
  }

  tick() {
    const now = this.clock.now();
    this.agenda.tick(now);
    this.moderation.tick(now);
  }

  showState(state, reason) {
    const box = $("#state");
    box.textContent = this.t(`state.${state === State.CLOSED ? "failed" : state}`)
      + (reason && state !== State.JOINED ? ` (${reason})` : "");
    box.dataset.state = state;
    this.root.dataset.state = state;
  }

  showError(message) {
    if (message.ref === "media") this.audio.refused();
    const box = $("#live-error");
    box.textContent = this.t("live.refused", { message: message.message });
    box.dataset.code = message.code ?? "";
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => { box.textContent = ""; }, 10000);
  }

  // --- floor language and channels -------------------------------------------

  renderFloorChoices() {
    const select = $("#floor-language");
    const meeting = this.page.meeting;
    const codes = languageCodes(meeting?.languages.map((l) => l.code) ?? this.page.doc?.languages ?? []);
    select.replaceChildren(el("option", { value: "" }, this.t("live.floor_unknown")),
      ...codes.map((c) => el("option", { value: c, lang: c }, `${languageName(c)} (${c})`)));
    this.renderFloor();
  }

  floorLanguage() {
    return this.page.interpretation?.floor_language ?? this.page.agendaState?.floor_language ?? null;
  }

  renderFloor() {
    const select = $("#floor-language");
    const language = this.floorLanguage();
    // Not while the chair is choosing: an update would undo their pick.
    if (document.activeElement !== select || !select.value) select.value = language ?? "";
    select.dataset.language = language ?? "";
  }

  renderChannels() {
    const t = this.t;
    const channels = this.page.interpretation?.channels ?? [];
    $("#channels").replaceChildren(...channels.map((c) => el("li", {
      class: c.live ? "live" : "floor", dataset: { language: c.language } },
    el("span", { class: "lang", lang: c.language }, c.name),
    el("span", { class: "channel-state" }, c.live
      ? t("live.channel_live", { booth: c.booth ?? "" }) : t("live.channel_floor")),
    c.cough ? el("span", { class: "cough" }, t("live.cough")) : "")));
  }

  // --- slow-down notices -------------------------------------------------------

  slowDown(notice) {
    this.page.slowDowns.unshift({ ...notice, at: Date.now() });
    this.page.slowDowns.length = Math.min(this.page.slowDowns.length, MAX_SLOW_DOWNS);
    this.renderSlowDowns();
    const list = $("#slow-downs");
    list.classList.remove("flash");
    void list.offsetWidth; // restart the animation
    list.classList.add("flash");
  }

  renderSlowDowns() {
    $("#slow-downs").replaceChildren(...this.page.slowDowns.map((n) => el("li", {
      dataset: { booth: n.booth } },
    el("time", {}, hm(new Date(n.at))), " ",
    this.t("live.slow_down", { booth: n.booth, name: n.name }))));
  }
}
