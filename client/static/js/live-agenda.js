// The live panel's agenda controls: start, previous, next, stop and jump to
// an item, and the current item with its elapsed and remaining time.

import { $, el, duration } from "./ui.js";
import { hm, itemProgress, remainingText, zoneCity } from "./agenda-time.js";
import { localized } from "./languages.js";

export class LiveAgenda {
  /** @param {import("./live-panel.js").LivePanel} panel */
  constructor(panel) {
    this.panel = panel;
    this.page = panel.page;
    $("#live-start").onclick = () => panel.send({ type: "agenda_start" });
    $("#live-previous").onclick = () => panel.send({ type: "agenda_previous" });
    $("#live-next").onclick = () => panel.send({ type: "agenda_next" });
    $("#live-stop").onclick = () => panel.send({ type: "agenda_stop" });
  }

  get t() { return this.panel.t; }

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
    // The list is rebuilt: put the focus back on the same item's button.
    const focused = list.contains(document.activeElement)
      ? document.activeElement.closest("[data-item]")?.dataset.item : null;
    list.replaceChildren(...items.map((item) => {
      const current = state?.started && state.current === item.id;
      const title = this.title(item);
      const go = el("button", { type: "button", class: "small goto",
                                "aria-label": t("live.goto_item", { title }) }, t("live.goto"));
      go.onclick = () => this.panel.send({ type: "agenda_goto", item: item.id });
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

  /** @param {number} [now] server time in seconds */
  tick(now = this.panel.clock.now()) {
    const t = this.t;
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
  }
}
