// The live panel's moderation: moderated mode, the request-to-speak queue
// (grant the floor, with an optional speaking time) and the delegates who
// have the floor (change their time, take the floor back).

import { $, el, duration } from "./ui.js";

const MAX_SPEAKING = 4 * 3600; // the protocol's bound on a speaking time, in seconds

/** Seconds from a minutes input: a number, or null when left empty. */
function limitOf(input) {
  const text = input.value.trim();
  if (!text) return null;
  const seconds = Math.round(Number(text) * 60);
  return Number.isFinite(seconds) ? Math.min(MAX_SPEAKING, Math.max(1, seconds)) : null;
}

function limitInput() {
  return el("input", { type: "number", min: "0.5", max: "240", step: "any",
                       class: "limit", inputmode: "decimal" });
}

export class LiveModeration {
  /** @param {import("./live-panel.js").LivePanel} panel */
  constructor(panel) {
    this.panel = panel;
    this.page = panel.page;
    $("#moderated").onchange = (event) => panel.send({ type: "set_moderated",
                                                       on: event.target.checked });
  }

  get t() { return this.panel.t; }

  render() {
    const t = this.t;
    const send = (message) => this.panel.send(message);
    const m = this.page.moderation;
    $("#moderated").checked = !!m?.moderated;
    $("#mic-cap").textContent = m ? t("live.mic_cap", { n: m.max_open_mics }) : "";
    const hands = m?.hands ?? [];
    const granted = m?.granted ?? [];
    this.sync($("#hands"), hands, (hand) => {
      const limit = limitInput();
      const grant = el("button", { type: "button", class: "grant primary small",
        "aria-label": t("live.grant_to", { name: hand.name }) }, t("live.grant"));
      grant.onclick = () => {
        const seconds = limitOf(limit);
        send({ type: "grant_floor", participant: hand.participant,
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
      const limit = limitInput();
      const set = el("button", { type: "button", class: "small set-limit",
        "aria-label": t("live.set_limit_for", { name: grant.name }) }, t("live.set_limit"));
      set.onclick = () => send({ type: "speaking_limit", participant: grant.participant,
                                 limit: limitOf(limit) });
      const revoke = el("button", { type: "button", class: "small danger revoke",
        "aria-label": t("live.revoke_from", { name: grant.name }) }, t("live.revoke"));
      revoke.onclick = () => send({ type: "revoke_floor", participant: grant.participant });
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
    const lang = this.page.strings.lang;
    const rows = new Map([...list.children].map((row) => [row.dataset.participant, row]));
    const wanted = entries.map((entry, index) => {
      let row = rows.get(entry.participant);
      if (!row || row.dataset.lang !== lang) {
        row = el("li", { dataset: { participant: entry.participant, lang } }, ...create(entry));
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

  /** The speaking times left and how long each hand has been up. */
  tick(now = this.panel.clock.now()) {
    const t = this.t;
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
}
