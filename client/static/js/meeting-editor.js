// The meeting's own fields, its venues and its booths (organiser page),
// edited through the REST API with the meeting's version.

import { el } from "./ui.js";
import { check, field, formError, options, uid } from "./forms.js";
import { fromWallInput, hm, isoUtc, toWallInput, zoneCity } from "./agenda-time.js";
import { languageName } from "./languages.js";
import { ApiError } from "./agenda-api.js";

const ZONES_LIST = "time-zones";

/** A <datalist> of every IANA zone the browser knows, once per page. */
function zoneInput(attrs) {
  if (!document.getElementById(ZONES_LIST)) {
    const zones = Intl.supportedValuesOf?.("timeZone") ?? [];
    document.body.append(el("datalist", { id: ZONES_LIST },
      ...zones.map((z) => el("option", { value: z }))));
  }
  return el("input", { type: "text", list: ZONES_LIST, autocomplete: "off", spellcheck: "false",
                       ...attrs });
}

function codes(text) {
  return text.split(/[\s,;]+/).map((c) => c.trim().toLowerCase()).filter(Boolean);
}

/** The id typed in a form, or a field error (the path needs one). */
function requiredId(input, t) {
  const id = input.value.trim();
  if (!id) throw new ApiError(422, { error: "missing", field: "id", message: t("forms.required") });
  return id;
}

function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

// --- the meeting --------------------------------------------------------------

const MEETING_FIELDS = (doc) => ({
  title: doc.title, timezone: doc.timezone, start: doc.start, end: doc.end,
  languages: doc.languages, chair: doc.chair ?? null, moderated: doc.moderated,
  max_open_mics: doc.max_open_mics,
});

export class MeetingEditor {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.form = null;
    this.dirty = false;
  }

  render({ reset = false } = {}) {
    if (this.form && this.dirty && !reset) return;
    this.build();
  }

  build() {
    const t = this.ctx.t;
    const doc = this.ctx.page.doc;
    this.shown = MEETING_FIELDS(doc);
    const headingId = uid("h");
    const form = el("form", { id: "meeting-form", class: "panel-form", novalidate: true,
                              "aria-labelledby": headingId });
    const zone = doc.timezone;
    this.titles = [...new Set([...doc.languages, ...Object.keys(doc.title)])].map((code) =>
      el("input", { type: "text", lang: code, value: doc.title[code] ?? "",
                    dataset: { language: code } }));
    this.timezone = zoneInput({ value: zone, name: "timezone" });
    this.start = el("input", { type: "datetime-local", value: toWallInput(new Date(doc.start), zone) });
    this.end = el("input", { type: "datetime-local", value: toWallInput(new Date(doc.end), zone) });
    this.startShown = this.start.value;
    this.endShown = this.end.value;
    this.languages = el("input", { type: "text", value: doc.languages.join(", "),
                                   spellcheck: "false" });
    this.chair = el("input", { type: "text", value: doc.chair ?? "" });
    this.moderated = el("input", { checked: doc.moderated });
    this.maxMics = el("input", { type: "number", min: "1", max: "50", step: "1",
                                 value: String(doc.max_open_mics) });
    const save = el("button", { type: "submit", class: "primary" }, t("organiser.save"));
    const revert = el("button", { type: "button" }, t("organiser.revert"));
    revert.onclick = () => { this.dirty = false; this.build(); };
    form.oninput = () => { this.dirty = true; };
    form.onchange = () => { this.dirty = true; };
    form.onsubmit = (event) => { event.preventDefault(); this.submit(); };
    form.append(
      el("h3", { id: headingId }, t("meeting.heading")),
      el("fieldset", { class: "titles" }, el("legend", {}, t("meeting.field_title")),
        ...this.titles.map((input) => field(languageName(input.dataset.language), input,
                                            `title.${input.dataset.language}`))),
      field(t("meeting.field_timezone"), this.timezone, "timezone", t("meeting.timezone_hint")),
      el("div", { class: "field-row" },
        field(t("meeting.field_start", { zone: zoneCity(zone) }), this.start, "start"),
        field(t("meeting.field_end", { zone: zoneCity(zone) }), this.end, "end")),
      field(t("meeting.field_languages"), this.languages, "languages", t("meeting.languages_hint")),
      field(t("meeting.field_chair"), this.chair, "chair"),
      check(t("meeting.field_moderated"), this.moderated, "moderated"),
      field(t("meeting.field_max_mics"), this.maxMics, "max_open_mics", t("meeting.max_mics_hint")),
      formError(),
      el("div", { class: "form-buttons" }, save, revert));
    this.root.replaceChildren(form);
    this.form = form;
    this.dirty = false;
    this.base = this.ctx.track(form, MEETING_FIELDS);
  }

  values() {
    const title = {};
    for (const input of this.titles) {
      if (input.value.trim()) title[input.dataset.language] = input.value.trim();
    }
    const zone = this.timezone.value.trim();
    const wallZone = (() => {
      try { new Intl.DateTimeFormat("en", { timeZone: zone }); return zone; } catch { return this.shown.timezone; }
    })();
    const instant = (input, shown, original) => {
      if (input.value === shown && wallZone === this.shown.timezone) return original;
      const at = fromWallInput(input.value, wallZone);
      return at ? isoUtc(at) : input.value;
    };
    const max = Number(this.maxMics.value);
    return {
      title, timezone: zone,
      start: instant(this.start, this.startShown, this.shown.start),
      end: instant(this.end, this.endShown, this.shown.end),
      languages: codes(this.languages.value), chair: this.chair.value.trim() || null,
      moderated: this.moderated.checked,
      max_open_mics: Number.isInteger(max) ? max : this.maxMics.value,
    };
  }

  async submit() {
    const values = this.values();
    const patch = {};
    for (const [key, value] of Object.entries(values)) {
      if (!same(value, this.shown[key])) patch[key] = value;
    }
    if (!Object.keys(patch).length) return;
    const ok = await this.ctx.write((api) => api.patchMeeting(patch, this.base.version),
                                    { form: this.form });
    if (ok) {
      this.dirty = false;
      this.build();
      this.ctx.announce(this.ctx.t("meeting.saved"));
    }
  }
}

// --- venues and booths ----------------------------------------------------

export class PlacesEditor {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.venues = el("section", { class: "places", "aria-labelledby": "venues-heading" });
    this.booths = el("section", { class: "places", "aria-labelledby": "booths-heading" });
    this.venueForm = el("div", { class: "place-form-area" });
    this.boothForm = el("div", { class: "place-form-area" });
    root.append(this.venues, this.booths);
  }

  render({ reset = false } = {}) {
    if (reset) {
      this.venueForm.replaceChildren();
      this.boothForm.replaceChildren();
    }
    const t = this.ctx.t;
    const doc = this.ctx.page.doc;
    const now = new Date();
    const add = (text, action) => {
      const button = el("button", { type: "button", class: "primary" }, text);
      button.onclick = action;
      return button;
    };
    const actions = (kind, id, edit, remove) => {
      const e = el("button", { type: "button", class: "small",
        "aria-label": t(`places.edit_${kind}`, { id }) }, t("agenda.edit"));
      e.onclick = edit;
      const d = el("button", { type: "button", class: "small",
        "aria-label": t(`places.delete_${kind}`, { id }) }, t("agenda.delete"));
      d.onclick = remove;
      return el("td", { class: "actions" }, e, d);
    };
    this.venues.replaceChildren(
      el("h3", { id: "venues-heading" }, t("places.venues")),
      el("table", { class: "places-table" },
        el("thead", {}, el("tr", {}, ...["places.id", "places.name", "places.city",
          "places.timezone", "places.pa_language", "places.local_time", "places.actions"]
          .map((k) => el("th", { scope: "col" }, t(k))))),
        el("tbody", {}, ...doc.venues.map((v) => el("tr", { dataset: { venue: v.id } },
          el("td", {}, v.id), el("td", {}, v.name), el("td", {}, v.city),
          el("td", {}, v.timezone), el("td", {}, languageName(v.pa_language)),
          el("td", {}, hm(now, v.timezone)),
          actions("venue", v.id, () => this.openVenue(v), () => this.remove("venue", v.id)))))),
      add(t("places.add_venue"), () => this.openVenue(null)),
      this.venueForm);
    this.booths.replaceChildren(
      el("h3", { id: "booths-heading" }, t("places.booths")),
      el("table", { class: "places-table" },
        el("thead", {}, el("tr", {}, ...["places.id", "places.a", "places.b",
          "places.understands", "places.actions"].map((k) => el("th", { scope: "col" }, t(k))))),
        el("tbody", {}, ...doc.booths.map((b) => el("tr", { dataset: { booth: b.id } },
          el("td", {}, b.id), el("td", {}, languageName(b.a)),
          el("td", {}, b.b ? languageName(b.b) : "—"),
          el("td", {}, b.understands.join(", ")),
          actions("booth", b.id, () => this.openBooth(b), () => this.remove("booth", b.id)))))),
      add(t("places.add_booth"), () => this.openBooth(null)),
      this.boothForm);
  }

  form(area, heading, fields, submit, select) {
    const t = this.ctx.t;
    const headingId = uid("h");
    const form = el("form", { class: "panel-form", novalidate: true, "aria-labelledby": headingId });
    const cancel = el("button", { type: "button" }, t("organiser.cancel"));
    cancel.onclick = () => area.replaceChildren();
    form.append(el("h4", { id: headingId }, heading), ...fields, formError(),
      el("div", { class: "form-buttons" },
        el("button", { type: "submit", class: "primary" }, t("organiser.save")), cancel));
    const base = this.ctx.track(form, select);
    form.onsubmit = async (event) => {
      event.preventDefault();
      if (await submit(base.version, form)) area.replaceChildren();
    };
    area.replaceChildren(form);
    form.querySelector("input:not([readonly]), select")?.focus();
  }

  openVenue(venue) {
    const t = this.ctx.t;
    const doc = this.ctx.page.doc;
    const id = el("input", { type: "text", value: venue?.id ?? "", readonly: !!venue,
                             spellcheck: "false" });
    const name = el("input", { type: "text", value: venue?.name ?? "" });
    const city = el("input", { type: "text", value: venue?.city ?? "" });
    const zone = zoneInput({ value: venue?.timezone ?? doc.timezone });
    const pa = el("select", {}, ...options(doc.languages.map((c) => [c, languageName(c)]),
                                           venue?.pa_language ?? doc.languages[0]));
    this.form(this.venueForm, venue ? t("places.edit_venue", { id: venue.id }) : t("places.add_venue"), [
      field(t("places.id"), id, "id", venue ? null : t("agenda.id_hint")),
      field(t("places.name"), name, "name"), field(t("places.city"), city, "city"),
      field(t("places.timezone"), zone, "timezone"), field(t("places.pa_language"), pa, "pa_language"),
    ], (version, form) => this.ctx.write((api) => api.putVenue(requiredId(id, t), {
      name: name.value.trim(), city: city.value.trim(), timezone: zone.value.trim(),
      pa_language: pa.value,
    }, version), { form }), (d) => (venue ? d.venues.find((v) => v.id === venue.id) : d.venues));
  }

  openBooth(booth) {
    const t = this.ctx.t;
    const doc = this.ctx.page.doc;
    const id = el("input", { type: "text", value: booth?.id ?? "", readonly: !!booth,
                             spellcheck: "false" });
    const pairs = doc.languages.map((c) => [c, languageName(c)]);
    const a = el("select", {}, ...options(pairs, booth?.a ?? doc.languages[0]));
    const b = el("select", {}, ...options([["", t("places.no_retour")], ...pairs], booth?.b ?? ""));
    const understands = el("input", { type: "text", spellcheck: "false",
                                      value: (booth?.understands ?? []).join(", ") });
    this.form(this.boothForm, booth ? t("places.edit_booth", { id: booth.id }) : t("places.add_booth"), [
      field(t("places.id"), id, "id", booth ? null : t("agenda.id_hint")),
      field(t("places.a"), a, "a"), field(t("places.b"), b, "b"),
      field(t("places.understands"), understands, "understands", t("places.understands_hint")),
    ], (version, form) => this.ctx.write((api) => api.putBooth(requiredId(id, t), {
      a: a.value, b: b.value || null, understands: codes(understands.value),
    }, version), { form }), (d) => (booth ? d.booths.find((x) => x.id === booth.id) : d.booths));
  }

  async remove(kind, id) {
    const t = this.ctx.t;
    if (!window.confirm(t(`places.confirm_delete_${kind}`, { id }))) return;
    const ok = await this.ctx.write((api, doc) => (kind === "venue"
      ? api.deleteVenue(id, doc.version) : api.deleteBooth(id, doc.version)));
    if (ok) this.ctx.announce(t("places.deleted", { id }));
  }
}
