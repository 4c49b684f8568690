// The live panel of the organiser page: joins the meeting over the
// signalling WebSocket (no camera or microphone needed) and runs it: the
// agenda (start, previous, next, jump), the floor language, moderated mode
// with the request-to-speak queue, slow-down notices and channel states.
// The chair may also hear the floor and speak (the microphone is only asked
// for when first switched on).

import { signallingUrl, Signalling, State } from "./protocol.js";
import { AudioMixer, MeetingPeer } from "./media.js";
import { $, el, duration } from "./ui.js";
import { ServerClock, hm, itemProgress, remainingText, zoneCity } from "./agenda-time.js";
import { languageCodes, languageName, localized } from "./languages.js";

const MAX_SLOW_DOWNS = 6;
const MAX_SPEAKING = 4 * 3600; // the protocol's bound on a speaking time, in seconds
const OTHER_PANELS_REFS = new Set(["media_play", "media_pause", "media_resume", "media_stop",
                                   "mute_feed"]);

/** Seconds from a minutes input: a number, or null when left empty. */
function limitOf(input) {
  const text = input.value.trim();
  if (!text) return null;
  const seconds = Math.round(Number(text) * 60);
  return Number.isFinite(seconds) ? Math.min(MAX_SPEAKING, Math.max(1, seconds)) : null;
}

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
    this.micTrack = null;
    this.micOn = false;
    this.mixer = null;
    /** @type {Map<string, MediaStreamTrack>} audio received, by mid */
    this.tracks = new Map();
    this.slots = [];
    $("#live-mic").onclick = () => this.setMic(!this.micOn);
    $("#live-listen").onchange = (event) => this.setListening(event.target.checked);
    $("#live-start").onclick = () => this.send({ type: "agenda_start" });
    $("#live-previous").onclick = () => this.send({ type: "agenda_previous" });
    $("#live-next").onclick = () => this.send({ type: "agenda_next" });
    $("#live-stop").onclick = () => this.send({ type: "agenda_stop" });
    $("#moderated").onchange = (event) => this.send({ type: "set_moderated",
                                                      on: event.target.checked });
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
      // Answer the server's offers: the organiser hears nothing here and
      // sends nothing, but a negotiated peer keeps the session tidy.
      // Answer the server's offers; the microphone goes on the "mic" line
      // once the chair switches it on.
      this.peer?.close();
      this.tracks.clear();
      this.peer = new MeetingPeer({ iceServers: m.ice_servers, send: (x) => signalling.send(x),
                                    onTrack: (mid, track) => this.onTrack(mid, track) });
      this.peer.local.mic = this.micTrack;
      page.peer = this.peer;
      if (this.micOn) this.sendMedia();
      this.renderFloorChoices();
    });
    signalling.on("offer", (m) => {
      this.peer?.handleOffer(m.sdp, m.slots).then(() => this.applySlots(m.slots));
    });
    signalling.on("slots", (m) => this.applySlots(m.slots));
    signalling.on("participant_joined", (m) => page.participants.set(m.participant.id, m.participant));
    signalling.on("participant_updated", (m) => page.participants.set(m.participant.id, m.participant));
    signalling.on("participant_left", (m) => page.participants.delete(m.id));
    signalling.on("agenda", (m) => {
      page.agenda = m;
      this.renderItems();
      this.renderNow();
      this.ctx.refreshSoon();
    });
    signalling.on("agenda_state", (m) => {
      this.clock.sync(m.server_time);
      page.agendaState = m;
      this.renderItems();
      this.renderNow();
      this.renderFloor();
    });
    signalling.on("moderation", (m) => {
      this.clock.sync(m.server_time);
      page.moderation = m;
      this.renderModeration();
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
    this.renderItems();
    this.renderNow();
    this.renderFloor();
    this.renderModeration();
    this.renderChannels();
    this.renderSlowDowns();
  }

  showState(state, reason) {
    const box = $("#state");
    box.textContent = this.t(`state.${state === State.CLOSED ? "failed" : state}`)
      + (reason && state !== State.JOINED ? ` (${reason})` : "");
    box.dataset.state = state;
    this.root.dataset.state = state;
  }

  // --- hearing the floor, speaking -------------------------------------------

  onTrack(mid, track) {
    if (track.kind !== "audio") return;
    this.tracks.set(mid, track);
    if (this.mixer) {
      this.mixer.add(mid, track);
      this.applyGains();
    }
  }

  applySlots(slots) {
    this.slots = slots;
    this.applyGains();
  }

  /** The floor's lines at full level while listening; nothing else. */
  applyGains() {
    if (!this.mixer) return;
    const listening = $("#live-listen").checked;
    for (const slot of this.slots) {
      if (slot.kind === "audio" && slot.use !== "mic") {
        this.mixer.setGain(slot.mid, listening && slot.use === "floor" ? 1 : 0);
      }
    }
  }

  async setListening(on) {
    if (on && !this.mixer) {
      this.mixer = new AudioMixer();
      this.page.mixer = this.mixer;
      for (const [mid, track] of this.tracks) this.mixer.add(mid, track);
    }
    if (on) await this.mixer.resume();
    this.applyGains();
  }

  async setMic(on) {
    if (on && !this.micTrack) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        this.micTrack = stream.getAudioTracks()[0] ?? null;
        await this.peer?.setLocal("mic", this.micTrack);
      } catch (err) {
        this.showError({ message: err.message, code: "no_microphone" });
        return;
      }
    }
    this.micOn = on && !!this.micTrack;
    if (this.micTrack) this.micTrack.enabled = this.micOn;
    this.renderMic();
    this.sendMedia();
  }

  sendMedia() {
    this.page.signalling?.send({ type: "media", mic: this.micOn, camera: false });
  }

  renderMic() {
    const button = $("#live-mic");
    button.setAttribute("aria-pressed", String(this.micOn));
    button.classList.toggle("off", !this.micOn);
  }

  showError(message) {
    if (message.ref === "media" && this.micOn) {
      // Refused (too many open microphones): ours stays closed.
      this.micOn = false;
      if (this.micTrack) this.micTrack.enabled = false;
      this.renderMic();
    }
    const box = $("#live-error");
    box.textContent = this.t("live.refused", { message: message.message });
    box.dataset.code = message.code ?? "";
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => { box.textContent = ""; }, 10000);
  }

  // --- the agenda ------------------------------------------------------------

  title(item) {
    const languages = this.page.doc?.languages ?? [];
    return localized(item.title, this.page.strings.lang, languages);
  }

  currentItem() {
    const state = this.page.agendaState;
    return this.page.agenda?.items.find((i) => i.id === state?.current) ?? null;
  }

  renderItems() {
    const t = this.t;
    const list = $("#live-items");
    const items = this.page.agenda?.items ?? [];
    const state = this.page.agendaState;
    const zone = this.page.agenda?.timezone;
    const focused = list.contains(document.activeElement)
      ? document.activeElement.closest("[data-item]")?.dataset.item : null;
    list.replaceChildren(...items.map((item) => {
      const current = state?.started && state.current === item.id;
      const title = this.title(item);
      const go = el("button", { type: "button", class: "small goto",
                                "aria-label": t("live.goto_item", { title }) }, t("live.goto"));
      go.onclick = () => this.send({ type: "agenda_goto", item: item.id });
      return el("li", { class: current ? "current" : "", dataset: { item: item.id },
                        "aria-current": current ? "true" : false },
        el("span", { class: "time" }, zone ? hm(new Date(item.start), zone) : ""),
        el("span", { class: "title" }, title),
        go);
    }));
    if (focused) list.querySelector(`[data-item="${CSS.escape(focused)}"] button`)?.focus();
    const index = state?.index ?? null;
    $("#live-start").disabled = !items.length || !!state?.started;
    $("#live-stop").disabled = !state?.started;
    $("#live-previous").disabled = !state?.started || index === null || index <= 0;
    $("#live-next").disabled = !state?.started || (index !== null && index >= items.length - 1);
  }

  renderNow() {
    const t = this.t;
    const state = this.page.agendaState;
    const item = this.currentItem();
    const zone = this.page.agenda?.timezone;
    $("#now-title").textContent = !state?.started ? t("live.not_started")
      : item ? this.title(item) : t("live.no_item");
    $("#now-title").title = item && zone
      ? `${hm(new Date(item.start), zone)} ${zoneCity(zone)} · ${t("agenda.minutes", {
        n: Math.round(item.duration / 60) })}` : "";
    this.tick();
  }

  tick() {
    const t = this.t;
    const now = this.clock.now();
    const progress = itemProgress(this.currentItem(), this.page.agendaState, now);
    const elapsed = $("#now-elapsed");
    const remaining = $("#now-remaining");
    if (!progress) {
      elapsed.textContent = "";
      remaining.textContent = "";
      remaining.classList.remove("overtime");
    } else {
      elapsed.textContent = t("live.elapsed", { time: duration(progress.elapsed) });
      remaining.textContent = t(progress.overtime ? "live.overtime" : "live.remaining",
                                { time: remainingText(progress.remaining) });
      remaining.classList.toggle("overtime", progress.overtime);
    }
    for (const row of document.querySelectorAll("#granted li")) {
      const ends = row.dataset.endsAt ? Number(row.dataset.endsAt) : null;
      const box = row.querySelector(".countdown");
      box.textContent = ends === null ? t("live.no_limit")
        : t("live.time_left", { time: duration(Math.max(0, ends - now)) });
      box.classList.toggle("ending", ends !== null && ends - now < 30);
    }
    for (const row of document.querySelectorAll("#hands li")) {
      row.querySelector(".waiting").textContent = t("live.waiting", {
        time: duration(Math.max(0, now - Number(row.dataset.raisedAt))) });
    }
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

  // --- moderation ----------------------------------------------------------

  renderModeration() {
    const t = this.t;
    const m = this.page.moderation;
    $("#moderated").checked = !!m?.moderated;
    $("#mic-cap").textContent = m ? t("live.mic_cap", { n: m.max_open_mics }) : "";
    const hands = m?.hands ?? [];
    const granted = m?.granted ?? [];
    this.sync($("#hands"), hands, (hand) => {
      const limit = el("input", { type: "number", min: "0.5", max: "240", step: "any",
                                  class: "limit", inputmode: "decimal" });
      const grant = el("button", { type: "button", class: "grant primary small",
        "aria-label": t("live.grant_to", { name: hand.name }) }, t("live.grant"));
      grant.onclick = () => {
        const seconds = limitOf(limit);
        this.send({ type: "grant_floor", participant: hand.participant,
                    ...(seconds ? { limit: seconds } : {}) });
      };
      return [el("span", { class: "position" }), el("span", { class: "name" }, hand.name),
        el("span", { class: "waiting" }),
        el("label", { class: "limit-field" }, el("span", {}, t("live.limit_minutes")), limit),
        grant];
    }, (row, hand, index) => {
      row.dataset.raisedAt = String(hand.raised_at);
      row.querySelector(".position").textContent = `${index + 1}.`;
    });
    this.sync($("#granted"), granted, (grant) => {
      const limit = el("input", { type: "number", min: "0.5", max: "240", step: "any",
                                  class: "limit", inputmode: "decimal" });
      const set = el("button", { type: "button", class: "small set-limit",
        "aria-label": t("live.set_limit_for", { name: grant.name }) }, t("live.set_limit"));
      set.onclick = () => this.send({ type: "speaking_limit", participant: grant.participant,
                                      limit: limitOf(limit) });
      const revoke = el("button", { type: "button", class: "small danger revoke",
        "aria-label": t("live.revoke_from", { name: grant.name }) }, t("live.revoke"));
      revoke.onclick = () => this.send({ type: "revoke_floor", participant: grant.participant });
      return [el("span", { class: "name" }, grant.name), el("span", { class: "countdown" }),
        el("label", { class: "limit-field" }, el("span", {}, t("live.limit_minutes")), limit),
        set, revoke];
    }, (row, grant) => {
      row.dataset.endsAt = grant.ends_at === null ? "" : String(grant.ends_at);
    });
    $("#hands-empty").hidden = hands.length > 0;
    $("#granted-empty").hidden = granted.length > 0;
    this.tick();
  }

  /**
   * Keep one <li> per participant, in order, so that what the chair typed
   * (a speaking time) and the focus survive updates.
   */
  sync(list, entries, create, update) {
    const rows = new Map([...list.children].map((row) => [row.dataset.participant, row]));
    const wanted = entries.map((entry, index) => {
      let row = rows.get(entry.participant);
      if (!row || row.dataset.lang !== this.page.strings.lang) {
        row = el("li", { dataset: { participant: entry.participant, lang: this.page.strings.lang } },
          ...create(entry));
      }
      update(row, entry, index);
      return row;
    });
    const focused = document.activeElement;
    const keep = list.contains(focused) ? focused : null;
    wanted.forEach((row, index) => {
      if (list.children[index] !== row) list.insertBefore(row, list.children[index] ?? null);
    });
    for (const row of [...list.children]) if (!wanted.includes(row)) row.remove();
    if (keep && !keep.isConnected) {
      (list.querySelector("button") ?? list.closest("section")?.querySelector("h3"))?.focus?.();
    }
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
