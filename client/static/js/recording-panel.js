// Recording on the organiser page: start and stop (REST), the ● REC
// indicator in the top bar with the elapsed time, and the meeting's
// recordings (state, duration, size, notes) with links to the playback page.

import { $, el, duration } from "./ui.js";
import { ApiError } from "./agenda-api.js";
import { sizeText } from "./media-panel.js";
import { RecIndicator } from "./rec-indicator.js";

const REFRESH_WHILE_RECORDING = 5000;
const REFRESH_WHILE_FINISHING = 1500;

export class RecordingPanel {
  /**
   * @param {HTMLElement} root the tab panel with the list
   * @param {any} ctx the organiser page's context
   */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.page = ctx.page;
    Object.assign(this.page, { recording: null, recordings: null });
    this.busy = false;
    this.refreshTimer = null;
    this.indicator = new RecIndicator($("#state"), {
      t: (key, vars) => this.t(key, vars),
      now: () => this.page.serverClock?.now() ?? Date.now() / 1000,
    });
    this.toggle = $("#rec-toggle");
    this.toggle.onclick = () => (this.page.recording?.active ? this.stop() : this.start());
    this.statusText = $("#rec-status");
    this.controlError = $("#rec-error");

    this.heading = el("h3", { id: "recordings-heading" });
    this.refreshButton = el("button", { type: "button", class: "small", id: "recordings-refresh" });
    this.refreshButton.onclick = () => this.load();
    this.head = el("tr");
    this.body = el("tbody", { id: "recordings" });
    this.table = el("table", { class: "places-table recordings-table", "aria-labelledby": "recordings-heading" },
      el("thead", {}, this.head), this.body);
    this.empty = el("p", { class: "hint" });
    this.error = el("p", { id: "recordings-error", class: "error", role: "alert" });
    root.append(el("div", { class: "toolbar" }, this.heading, this.refreshButton),
      this.error, this.table, this.empty);
    setInterval(() => this.tick(), 1000);
  }

  t(key, vars) { return this.ctx.t(key, vars); }

  /** @param {import("./protocol.js").Signalling} signalling */
  connect(signalling) {
    signalling.on("recording", (m) => {
      const changed = (this.page.recording?.recording ?? null) !== (m.recording ?? null);
      this.page.recording = m;
      this.indicator.update(m);
      this.renderControl();
      if (changed || this.page.recordings === null) this.load();
    });
  }

  render() {
    const t = this.t.bind(this);
    this.heading.textContent = t("rec.list");
    this.refreshButton.textContent = t("rec.refresh");
    this.head.replaceChildren(...["started", "duration", "size", "state", "play"]
      .map((c) => el("th", { scope: "col" }, t(`rec.col_${c}`))));
    this.indicator.render();
    this.renderControl();
    this.renderList();
  }

  // --- start and stop ------------------------------------------------------------

  renderControl() {
    const t = this.t.bind(this);
    const active = !!this.page.recording?.active;
    this.toggle.textContent = t(active ? "rec.stop" : "rec.start");
    this.toggle.classList.toggle("danger", active);
    this.toggle.classList.toggle("rec-start", !active);
    this.toggle.disabled = this.busy || !this.page.api;
    this.toggle.setAttribute("aria-busy", String(this.busy));
    this.tick();
  }

  tick() {
    const elapsed = this.indicator.elapsed();
    this.statusText.textContent = elapsed === null ? this.t("rec.idle")
      : this.t("rec.running", { time: duration(elapsed) });
    this.statusText.dataset.active = String(elapsed !== null);
    // The recording's own row counts up too.
    const row = this.page.recording?.active
      ? this.body.querySelector(`[data-recording="${CSS.escape(this.page.recording.recording)}"] .duration`)
      : null;
    if (row && elapsed !== null) row.textContent = duration(elapsed);
  }

  async start() {
    await this.request(() => this.page.api.call("POST", "/recordings"));
  }

  async stop() {
    const id = this.page.recording?.recording;
    if (!id) return;
    await this.request(() => this.call("POST", `/api/recordings/${encodeURIComponent(id)}/stop`));
  }

  async request(action) {
    this.busy = true;
    this.controlError.textContent = "";
    this.renderControl();
    try {
      const recording = await action();
      // The "recording" message says so too; this is in case it is slower.
      this.page.recording = recording.state === "recording"
        ? { active: true, recording: recording.id, started_at: recording.started_at }
        : { active: false, recording: null, started_at: null };
      this.indicator.update(this.page.recording);
    } catch (err) {
      this.controlError.textContent = this.t("rec.failed", { message: err.message });
    } finally {
      this.busy = false;
      this.renderControl();
      this.load();
    }
  }

  /** A call outside the meeting's own path (/api/recordings/...). */
  async call(method, path) {
    const response = await fetch(path, {
      method, headers: { Authorization: `Bearer ${this.page.token}`, Accept: "application/json" } });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // --- the list -------------------------------------------------------------------

  async load() {
    clearTimeout(this.refreshTimer);
    try {
      const answer = await this.page.api.call("GET", "/recordings");
      this.page.recordings = answer.recordings;
      this.error.textContent = "";
    } catch (err) {
      this.error.textContent = this.t("rec.list_failed", { message: err.message });
    }
    this.renderList();
    const running = (this.page.recordings ?? []).filter((r) => r.state === "recording");
    if (running.length) {
      // Finishing (joining the parts) takes a moment after the stop.
      const finishing = running.some((r) => r.id !== this.page.recording?.recording);
      this.refreshTimer = setTimeout(() => this.load(),
        finishing ? REFRESH_WHILE_FINISHING : REFRESH_WHILE_RECORDING);
    }
  }

  playbackUrl(recording) {
    const meeting = encodeURIComponent(this.page.meetingId);
    return `/playback/${meeting}#token=${encodeURIComponent(this.page.token)}`
      + `&recording=${encodeURIComponent(recording.id)}`;
  }

  renderList() {
    const t = this.t.bind(this);
    const recordings = [...(this.page.recordings ?? [])].sort((a, b) => b.started_at - a.started_at);
    const zone = this.page.doc?.timezone;
    this.body.replaceChildren(...recordings.map((r) => {
      const started = new Date(r.started_at * 1000);
      const when = started.toLocaleString(this.page.strings.lang, {
        dateStyle: "medium", timeStyle: "short", hourCycle: "h23", ...(zone ? { timeZone: zone } : {}) });
      const playable = r.state === "finished" || r.state === "recovered";
      const notes = [
        r.part > 1 ? t("rec.part", { n: r.part }) : "",
        { recovered: t("rec.recovered_note"), interrupted: t("rec.interrupted_note"),
          recording: t("rec.recording_note"),
          failed: r.note ? t("rec.failed_because", { message: r.note }) : t("rec.failed_note") }[r.state] ?? "",
      ].filter(Boolean);
      const stateKey = `rec.state_${r.state}`;
      const stateText = t(stateKey) === stateKey ? r.state : t(stateKey);
      const label = t("rec.play_label", { started: when });
      return el("tr", { dataset: { recording: r.id, state: r.state } },
        el("td", {}, el("time", { datetime: started.toISOString() }, when)),
        el("td", { class: "duration" }, duration(r.duration ?? 0)),
        el("td", { class: "size" }, r.size ? sizeText(r.size) : "—"),
        el("td", { class: "rec-state" },
          el("span", { class: `badge state-${r.state}` }, stateText),
          ...notes.map((note) => el("span", { class: "rec-note" }, note))),
        el("td", {}, playable
          ? el("a", { href: this.playbackUrl(r), target: "_blank", rel: "noopener",
                      "aria-label": label, class: "play-link" }, t("rec.play"))
          : ""));
    }));
    this.table.hidden = !recordings.length;
    this.empty.textContent = this.page.recordings === null ? "" : recordings.length ? "" : t("rec.none");
    this.tick();
  }
}
