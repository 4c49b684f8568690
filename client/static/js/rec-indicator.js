// The ● REC indicator in a page's top bar while the meeting is being
// recorded (everyone in the meeting has a right to know), with the time
// since the recording started. Fed by the server's "recording" messages.

import { el, duration } from "./ui.js";

export class RecIndicator {
  /**
   * @param {HTMLElement} before the top-bar element the indicator goes in front of
   * @param {{t: (key: string, vars?: object) => string, now: () => number}} options
   *   ``t`` the UI strings, ``now`` Unix seconds on the server's clock
   */
  constructor(before, { t, now }) {
    this.t = t;
    this.now = now;
    /** @type {?{active: boolean, recording: ?string, started_at: ?number}} */
    this.status = null;
    this.time = el("span", { class: "rec-time", role: "timer", "aria-live": "off" });
    this.label = el("span", { class: "rec-label" });
    this.node = el("span", { id: "rec-indicator", class: "rec-indicator", hidden: true },
      el("span", { class: "rec-dot", "aria-hidden": "true" }, "●"), " ", this.label, " ", this.time);
    // Said once when recording starts or stops, not every second.
    this.said = el("span", { class: "rec-announce", role: "status" });
    before.before(this.node, this.said);
    this.timer = setInterval(() => this.render(), 1000);
  }

  /** @param {{active: boolean, recording: ?string, started_at: ?number}} status */
  update(status) {
    const was = this.status?.active ?? false;
    this.status = status;
    if (status.active !== was) this.said.textContent = this.t(status.active ? "rec.started" : "rec.stopped");
    this.render();
  }

  /** Seconds since the recording started, or null when not recording. */
  elapsed() {
    const s = this.status;
    if (!s?.active || typeof s.started_at !== "number") return null;
    return Math.max(0, this.now() - s.started_at);
  }

  render() {
    const active = !!this.status?.active;
    this.node.hidden = !active;
    document.body.classList.toggle("recording", active);
    if (!active) return;
    this.label.textContent = this.t("rec.label");
    const elapsed = this.elapsed();
    this.time.textContent = elapsed === null ? "" : duration(elapsed);
    this.node.title = this.t("rec.title");
  }
}
