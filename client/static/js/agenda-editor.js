// The agenda editor of the organiser page: the items in order with their
// times in the meeting's zone and at each venue, interpretation coverage
// warnings, and reordering by drag and drop or by keyboard (Alt+↑/↓ on a
// row, or its move buttons).

import { el } from "./ui.js";
import { hm, localTimes, minutes, viewerZone, zoneCity, zonePlaces } from "./agenda-time.js";
import { languageName, localized } from "./languages.js";
import { ItemForm } from "./item-form.js";

export class AgendaEditor {
  /** @param {HTMLElement} root @param {any} ctx the organiser page's context */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.form = null;
    this.dragging = null;
    /** @type {?{item: string, control: ?string}} where the focus goes after a re-render */
    this.focusAfter = null;
    this.addButton = el("button", { id: "add-item", class: "primary" });
    this.addButton.onclick = () => this.openForm(null);
    this.zoneNote = el("p", { class: "hint zone-note" });
    this.formArea = el("div", { class: "item-form-area" });
    this.list = el("ol", { id: "agenda-list", class: "agenda-list" });
    this.help = el("p", { id: "reorder-help", class: "hint" });
    root.append(el("div", { class: "toolbar" }, this.addButton, this.zoneNote),
                this.formArea, this.list, this.help);
  }

  get doc() { return this.ctx.page.doc; }

  render({ reset = false } = {}) {
    const t = this.ctx.t;
    if (reset) this.closeForm();
    this.addButton.textContent = t("agenda.add");
    this.zoneNote.textContent = t("agenda.zone_note", { zone: this.doc.timezone });
    this.help.textContent = t("agenda.reorder_help");
    this.list.setAttribute("aria-label", t("agenda.list"));
    this.renderList();
  }

  renderList() {
    const doc = this.doc;
    const active = document.activeElement;
    const focus = this.focusAfter ?? (this.list.contains(active) ? {
      item: active.closest("[data-item]")?.dataset.item,
      control: active.dataset.control ?? null,
    } : null);
    this.focusAfter = null;
    const places = zonePlaces(doc.timezone, doc.venues);
    this.list.replaceChildren(...doc.items.map((item, index) => this.row(item, index, places)));
    if (focus?.item) {
      const row = this.list.querySelector(`[data-item="${CSS.escape(focus.item)}"]`);
      const control = focus.control && row?.querySelector(`[data-control="${focus.control}"]`);
      (control && !control.disabled ? control : row)?.focus();
    }
  }

  row(item, index, places) {
    const t = this.ctx.t;
    const doc = this.doc;
    const count = doc.items.length;
    const start = new Date(item.start);
    const title = localized(item.title, this.ctx.page.strings.lang, doc.languages);
    const titleId = `item-${item.id}-title`;
    const timeId = `item-${item.id}-time`;
    const times = localTimes(start, places).map((p, n) => el("span", {
      class: n === 0 ? "place main" : "place", dataset: { zone: p.zone },
    }, `${p.text} ${p.label}`));
    const separated = times.flatMap((span, n) => (n ? [" · ", span] : [span]));
    const button = (control, label, text, action, disabled = false) => {
      const b = el("button", { type: "button", class: `small ${control}`, "aria-label": label,
                               title: label, disabled, dataset: { control } }, text);
      b.onclick = action;
      return b;
    };
    const row = el("li", {
      id: `item-${item.id}`, class: `agenda-row kind-${item.kind}`, tabindex: "0",
      draggable: "true", dataset: { item: item.id }, "aria-labelledby": titleId,
      "aria-describedby": `${timeId} reorder-help`,
    },
    el("span", { class: "drag-handle", "aria-hidden": "true" }, "⠿"),
    el("div", { class: "row-main" },
      el("p", { class: "row-time", id: timeId,
                title: t("agenda.your_time", { time: hm(start), zone: viewerZone() }) },
      el("time", { datetime: item.start }, ...separated),
      el("span", { class: "row-duration" }, t("agenda.minutes", { n: minutes(item.duration) }))),
      el("p", { class: "row-title", id: titleId }, title),
      el("p", { class: "row-meta" }, this.meta(item)),
      ...this.coverage(item)),
    el("div", { class: "row-actions" },
      button("move-up", t("agenda.move_up", { title }), "↑", () => this.move(item.id, -1, "move-up"),
             index === 0),
      button("move-down", t("agenda.move_down", { title }), "↓",
             () => this.move(item.id, +1, "move-down"), index === count - 1),
      button("edit", t("agenda.edit_item", { title }), t("agenda.edit"), () => this.openForm(item)),
      button("delete", t("agenda.delete_item", { title }), t("agenda.delete"),
             () => this.remove(item, title))));
    row.addEventListener("keydown", (event) => this.onKey(event, item));
    this.dragAndDrop(row, item);
    return row;
  }

  meta(item) {
    const t = this.ctx.t;
    const parts = [t(`kind.${item.kind}`)];
    if (item.floor_language) {
      parts.push(t("agenda.floor", { language: languageName(item.floor_language) }));
    }
    const venues = new Map(this.doc.venues.map((v) => [v.id, v.city]));
    for (const s of item.speakers) {
      const where = [s.language, s.venue ? venues.get(s.venue) ?? s.venue : null].filter(Boolean);
      parts.push(`${s.name} (${where.join(", ")})`);
    }
    return parts.join(" · ");
  }

  /** Coverage warnings (and relays, for information) of one item. */
  coverage(item) {
    const report = this.ctx.page.coverage;
    if (!report) return [];
    const t = this.ctx.t;
    const lines = [];
    const entry = report.items.find((i) => i.item === item.id);
    for (const warning of report.warnings) {
      if (warning.item !== item.id || warning.severity !== "warning") continue;
      const source = entry?.sources.find((s) => s.language === warning.source_language);
      const who = source?.speakers.length ? source.speakers.join(", ") : t("agenda.the_floor");
      lines.push(el("li", { class: "coverage-warning", dataset: {
        language: warning.source_language ?? "", field: warning.field } },
      t("agenda.uncovered", {
        language: `${languageName(warning.source_language)} (${warning.source_language})`,
        who, targets: warning.targets.map(languageName).join(", "),
      })));
    }
    const relays = (entry?.sources ?? []).flatMap((source) => source.routes
      .filter((route) => route.reach === "relay")
      .map((route) => t("agenda.relay", {
        from: languageName(source.language), via: languageName(route.via),
        to: languageName(route.target), booths: route.booths.join(" → "),
      })));
    if (relays.length) {
      lines.push(el("li", { class: "coverage-relay" },
                    t("agenda.relays", { routes: relays.join("; ") })));
    }
    return lines.length ? [el("ul", { class: "coverage" }, ...lines)] : [];
  }

  // --- reordering ----------------------------------------------------------

  onKey(event, item) {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      const control = event.target === event.currentTarget ? null
        : event.target.dataset?.control ?? null;
      this.move(item.id, event.key === "ArrowUp" ? -1 : +1, control);
    } else if (event.key === "Enter" && event.target === event.currentTarget) {
      event.preventDefault();
      this.openForm(item);
    }
  }

  /** Move an item ``delta`` places, computed on the meeting as it is when the write runs. */
  move(itemId, delta, control) {
    return this.reorder(itemId, (order) => {
      const from = order.indexOf(itemId);
      const to = from + delta;
      if (from < 0 || to < 0 || to >= order.length) return null;
      order.splice(from, 1);
      order.splice(to, 0, itemId);
      return order;
    }, control);
  }

  async reorder(itemId, rearrange, control = null) {
    const ok = await this.ctx.write((api, doc) => {
      const order = rearrange(doc.items.map((i) => i.id));
      if (!order) return null;
      this.focusAfter = { item: itemId, control };
      return api.reorder(order, doc.version);
    });
    if (!ok) return;
    const doc = this.doc;
    const index = doc.items.findIndex((i) => i.id === itemId);
    const item = doc.items[index];
    if (!item) return;
    this.ctx.announce(this.ctx.t("agenda.moved", {
      title: localized(item.title, this.ctx.page.strings.lang, doc.languages),
      position: index + 1, count: doc.items.length,
      time: `${hm(new Date(item.start), doc.timezone)} ${zoneCity(doc.timezone)}`,
    }));
  }

  dragAndDrop(row, item) {
    const clear = () => {
      for (const r of this.list.querySelectorAll(".drop-before, .drop-after, .dragging")) {
        r.classList.remove("drop-before", "drop-after", "dragging");
      }
    };
    row.addEventListener("dragstart", (event) => {
      this.dragging = item.id;
      event.dataTransfer.setData("text/plain", item.id);
      event.dataTransfer.effectAllowed = "move";
      row.classList.add("dragging");
    });
    row.addEventListener("dragend", () => { this.dragging = null; clear(); });
    row.addEventListener("dragover", (event) => {
      if (!this.dragging || this.dragging === item.id) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      const box = row.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      row.classList.toggle("drop-after", after);
      row.classList.toggle("drop-before", !after);
    });
    row.addEventListener("dragleave", () => row.classList.remove("drop-before", "drop-after"));
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      const moving = this.dragging ?? event.dataTransfer.getData("text/plain");
      const after = row.classList.contains("drop-after");
      clear();
      this.dragging = null;
      if (!moving || moving === item.id) return;
      this.reorder(moving, (order) => {
        const rest = order.filter((id) => id !== moving);
        const at = rest.indexOf(item.id);
        if (at < 0) return null;
        rest.splice(after ? at + 1 : at, 0, moving);
        return rest;
      });
    });
  }

  // --- add, edit, delete ----------------------------------------------------

  openForm(item) {
    this.closeForm();
    this.form = new ItemForm(this.ctx, item, {
      saved: (id) => {
        this.closeForm();
        this.focusAfter = { item: id, control: null };
        this.renderList();
      },
      cancelled: () => {
        const back = item?.id;
        this.closeForm();
        if (back) this.list.querySelector(`[data-item="${CSS.escape(back)}"]`)?.focus();
        else this.addButton.focus();
      },
    });
    this.formArea.replaceChildren(this.form.element);
    this.form.focus();
  }

  closeForm() {
    this.form = null;
    this.formArea.replaceChildren();
  }

  async remove(item, title) {
    if (!window.confirm(this.ctx.t("agenda.confirm_delete", { title }))) return;
    const current = this.doc.items.find((i) => i.id === item.id);
    const ok = await this.ctx.write((api) => api.deleteItem(item.id, current?.version ?? item.version));
    if (ok) this.ctx.announce(this.ctx.t("agenda.deleted", { title }));
  }
}
