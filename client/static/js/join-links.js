// Join links (organiser page): mint a link per role with
// POST /api/meetings/{id}/links and copy it.

import { el } from "./ui.js";
import { check, clearErrors, field, formError, options, uid } from "./forms.js";
import { languageName } from "./languages.js";

const DAY = 24 * 3600;
const ROLES = ["organiser", "delegate", "interpreter", "venue"];

export class JoinLinks {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    /** @type {{label: string, url: string, expires: string, role: string}[]} */
    this.minted = [];
    this.list = el("ul", { id: "links", class: "links", "aria-live": "polite" });
    this.quick = el("div", { class: "quick-links", role: "group" });
    this.formArea = el("div");
    root.append(this.quick, this.formArea, this.list);
  }

  get t() { return this.ctx.t; }

  render() {
    const t = this.t;
    const doc = this.ctx.page.doc;
    const quick = (label, request) => {
      const button = el("button", { type: "button", dataset: { role: request.role } }, label);
      button.onclick = () => this.mint(request, label);
      return button;
    };
    this.quick.setAttribute("aria-label", t("links.quick"));
    this.quick.replaceChildren(
      el("h3", {}, t("links.quick")),
      quick(t("links.for_organiser"), { role: "organiser", name: t("role.organiser") }),
      quick(t("links.for_delegate"), { role: "delegate", shared: true }),
      ...doc.booths.map((b) => quick(t("links.for_booth", { booth: b.id, a: languageName(b.a) }),
        { role: "interpreter", booth: b.id, shared: true })),
      ...doc.venues.map((v) => quick(t("links.for_venue", { city: v.city, name: v.name }),
        { role: "venue", venue: v.id, name: `${v.city} — ${v.name}` })));
    // Rebuilt only when its choices change, so what is typed stays.
    const key = JSON.stringify([this.ctx.page.strings.lang, doc.booths.map((b) => b.id),
                                doc.venues.map((v) => [v.id, v.city, v.name])]);
    if (key !== this.formKey) {
      this.formKey = key;
      this.buildForm();
    }
    this.renderList();
  }

  buildForm() {
    const t = this.t;
    const doc = this.ctx.page.doc;
    const headingId = uid("h");
    const role = el("select", {}, ...options(ROLES.map((r) => [r, t(`role.${r}`)]), "delegate"));
    const name = el("input", { type: "text", autocomplete: "off" });
    const booth = el("select", {}, ...options(doc.booths.map((b) => [b.id, b.id])));
    const venue = el("select", {}, ...options(doc.venues.map((v) => [v.id, `${v.city} — ${v.name}`])));
    const days = el("input", { type: "number", min: "1", max: "366", step: "1", value: "7" });
    const shared = el("input", {});
    const boothField = field(t("links.booth"), booth, "booth");
    const venueField = field(t("links.venue"), venue, "venue");
    const sync = () => {
      boothField.hidden = role.value !== "interpreter";
      venueField.hidden = role.value !== "venue";
    };
    role.onchange = sync;
    sync();
    const form = el("form", { class: "panel-form", novalidate: true, "aria-labelledby": headingId },
      el("h3", { id: headingId }, t("links.custom")),
      el("div", { class: "field-row" }, field(t("links.role"), role, "role"),
         field(t("links.name"), name, "name", t("links.name_hint"))),
      el("div", { class: "field-row" }, boothField, venueField,
         field(t("links.days"), days, "ttl")),
      check(t("links.shared"), shared, "shared"),
      formError(),
      el("div", { class: "form-buttons" },
        el("button", { type: "submit", class: "primary" }, t("links.create"))));
    form.onsubmit = (event) => {
      event.preventDefault();
      const request = { role: role.value, shared: shared.checked,
                        ttl: Math.round(Number(days.value || 7) * DAY) };
      if (name.value.trim()) request.name = name.value.trim();
      if (role.value === "interpreter") request.booth = booth.value;
      if (role.value === "venue") request.venue = venue.value;
      this.mint(request, this.describe(request), form);
    };
    this.formArea.replaceChildren(form);
  }

  describe(request) {
    const t = this.t;
    const detail = request.booth ? t("links.booth_detail", { booth: request.booth })
      : request.venue ? request.venue : "";
    return [t(`role.${request.role}`), detail, request.name].filter(Boolean).join(" · ");
  }

  async mint(request, label, form = null) {
    try {
      const link = await this.ctx.page.api.link(request);
      this.minted.unshift({ label, url: link.url, expires: link.expires, role: link.role,
                            shared: !!request.shared });
      this.renderList();
      this.list.querySelector("button.copy")?.focus();
      this.ctx.announce(this.t("links.minted", { label }));
      if (form) clearErrors(form);
    } catch (err) {
      this.ctx.failed(err, form, null);
    }
  }

  renderList() {
    const t = this.t;
    this.list.replaceChildren(...this.minted.map((link) => {
      const id = uid("link");
      const input = el("input", { type: "text", readonly: true, value: link.url, id,
                                  class: "link-url", spellcheck: "false" });
      input.onfocus = () => input.select();
      const copy = el("button", { type: "button", class: "copy",
                                  "aria-label": t("links.copy_label", { label: link.label }) },
      t("links.copy"));
      copy.onclick = () => this.copy(link.url, input, copy);
      const expires = new Date(link.expires);
      return el("li", { class: "link", dataset: { role: link.role } },
        el("label", { for: id, class: "link-label" }, link.label,
          link.shared ? ` (${t("links.shared_short")})` : ""),
        el("div", { class: "link-row" }, input, copy),
        el("span", { class: "hint" }, t("links.expires", {
          date: expires.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) })));
    }));
  }

  async copy(url, input, button) {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      input.focus();
      input.select();
      document.execCommand("copy");
    }
    button.textContent = this.t("links.copied");
    this.ctx.announce(this.t("links.copied"));
    setTimeout(() => { button.textContent = this.t("links.copy"); }, 2000);
  }
}
