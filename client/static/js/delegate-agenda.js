// The delegate page's side panel: the request to speak (moderated
// meetings) and the agenda in the delegate's own time zone, the current item
// with its elapsed and remaining time.

import { el, duration } from "./ui.js";
import { ServerClock, hm, itemProgress, remainingText, viewerZone, zoneCity } from "./agenda-time.js";
import { localized } from "./languages.js";

export class DelegateSide {
  /**
   * @param {HTMLElement} root the page's <aside id="side">
   * @param {any} page the delegate page's state (window.silkhall)
   * @param {{send: (message: object) => void}} options
   */
  constructor(root, page, { send }) {
    this.root = root;
    this.page = page;
    this.send = send;
    this.clock = new ServerClock();
    page.serverClock = this.clock;
    this.speakHeading = el("h2", { id: "speak-heading" });
    this.speakStatus = el("p", { id: "speak-status", class: "speak-status", role: "status" });
    this.speakTime = el("p", { id: "speak-time", class: "speak-time", role: "timer" });
    this.hand = el("button", { id: "hand", type: "button", class: "primary", "aria-pressed": "false" });
    this.hand.onclick = () => this.send({ type: this.raised() ? "lower_hand" : "raise_hand" });
    this.speak = el("section", { class: "side-speak", "aria-labelledby": "speak-heading", hidden: true },
      this.speakHeading, this.speakStatus, this.speakTime, this.hand);
    this.agendaHeading = el("h2", { id: "side-agenda-heading" });
    this.zoneNote = el("p", { class: "hint" });
    this.list = el("ol", { id: "side-agenda", class: "side-agenda" });
    // The printable, bilingual agenda and the calendar file (server-made).
    this.printLink = el("a", { id: "agenda-print", target: "_blank", rel: "noopener" });
    this.icsLink = el("a", { id: "agenda-ics" });
    this.agenda = el("section", { class: "side-agenda-box", "aria-labelledby": "side-agenda-heading" },
      this.agendaHeading, this.zoneNote, this.list,
      el("p", { class: "hint" }, this.printLink, " · ", this.icsLink));
    this.timer = null;
  }

  t(key, vars) { return this.page.strings.t(key, vars); }

  onAgenda(message) {
    this.page.agenda = message;
    this.renderAgenda();
  }

  onAgendaState(message) {
    this.clock.sync(message.server_time);
    this.page.agendaState = message;
    this.renderAgenda();
  }

  onModeration(message) {
    this.clock.sync(message.server_time);
    this.page.moderation = message;
    this.renderSpeak();
  }

  me() { return this.page.you?.id ?? null; }
  raised() { return !!this.page.moderation?.hands.some((h) => h.participant === this.me()); }
  grant() { return this.page.moderation?.granted.find((g) => g.participant === this.me()) ?? null; }

  render() {
    if (!this.root.contains(this.agenda)) this.root.append(this.speak, this.agenda);
    const base = `/api/meetings/${encodeURIComponent(this.page.meetingId)}`;
    const token = encodeURIComponent(this.page.token);
    this.printLink.href = `${base}/agenda.html?token=${token}`;
    this.printLink.textContent = this.t("agenda.print");
    this.icsLink.href = `${base}/agenda.ics?token=${token}`;
    this.icsLink.textContent = this.t("agenda.calendar");
    this.timer ??= setInterval(() => this.tick(), 500);
    this.renderSpeak();
    this.renderAgenda();
  }

  renderSpeak() {
    const m = this.page.moderation;
    const grant = this.grant();
    const canAsk = this.page.you?.role === "delegate";
    this.speak.hidden = !grant && !(m?.moderated && canAsk);
    this.speakHeading.textContent = this.t("hand.heading");
    const hands = m?.hands ?? [];
    const position = hands.findIndex((h) => h.participant === this.me());
    this.speakStatus.textContent = grant ? this.t("hand.granted")
      : position >= 0 ? this.t("hand.position", { n: position + 1, count: hands.length })
        : this.t("hand.moderated");
    this.speak.dataset.state = grant ? "granted" : position >= 0 ? "raised" : "idle";
    this.hand.hidden = !!grant || !canAsk;
    this.hand.setAttribute("aria-pressed", String(position >= 0));
    this.hand.textContent = this.t(position >= 0 ? "hand.lower" : "hand.raise");
    this.tick();
  }

  renderAgenda() {
    if (!this.page.meeting) return;
    const zone = viewerZone();
    const agenda = this.page.agenda;
    const state = this.page.agendaState;
    const languages = this.page.meeting.languages.map((l) => l.code);
    this.agendaHeading.textContent = this.t("side.agenda");
    this.zoneNote.textContent = this.t("side.zone_note", { zone });
    this.list.replaceChildren(...(agenda?.items ?? []).map((item) => {
      const start = new Date(item.start);
      const current = !!state?.started && state.current === item.id;
      return el("li", { class: current ? "current" : "", dataset: { item: item.id },
                        "aria-current": current ? "true" : false },
        el("time", { datetime: item.start, title: agenda.timezone
          ? `${hm(start, agenda.timezone)} ${zoneCity(agenda.timezone)}` : "" }, hm(start, zone)),
        el("span", { class: "title" }, localized(item.title, this.page.strings.lang, languages)),
        current ? el("span", { class: "progress", role: "timer" }) : "");
    }));
    this.tick();
  }

  tick() {
    const now = this.clock.now();
    const state = this.page.agendaState;
    const row = this.list.querySelector("li.current");
    const item = this.page.agenda?.items.find((i) => i.id === state?.current);
    const progress = itemProgress(item, state, now);
    const box = row?.querySelector(".progress");
    if (box && progress) {
      box.textContent = `${this.t("live.elapsed", { time: duration(progress.elapsed) })} · ${
        this.t(progress.overtime ? "live.overtime" : "live.remaining",
               { time: remainingText(progress.remaining) })}`;
      box.classList.toggle("overtime", progress.overtime);
    }
    const grant = this.grant();
    this.speakTime.textContent = !grant ? ""
      : grant.ends_at === null ? this.t("live.no_limit")
        : this.t("live.time_left", { time: duration(Math.max(0, grant.ends_at - now)) });
    this.speakTime.classList.toggle("overtime", !!grant?.ends_at && grant.ends_at - now < 30);
  }
}
