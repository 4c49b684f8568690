// The form that adds or edits one agenda item (organiser page). Sends only
// what changed, based on the item's version; field errors from the API are
// shown next to their fields.

import { el } from "./ui.js";
import { check, field, formError, options, uid } from "./forms.js";
import { fromWallInput, isoUtc, minutes, toWallInput, zoneCity } from "./agenda-time.js";
import { languageCodes, languageName, localized } from "./languages.js";

const KINDS = ["speech", "panel", "discussion", "break", "video", "vote"];

/** JSON with sorted keys: equal values compare equal whatever their key order. */
function canonical(value) {
  return JSON.stringify(value ?? null, (key, v) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
}

export class ItemForm {
  /**
   * @param {any} ctx the organiser page's context
   * @param {?any} item the item to edit, or null to add one
   * @param {{saved: (id: string) => void, cancelled: () => void}} done
   */
  constructor(ctx, item, done) {
    this.ctx = ctx;
    this.item = item;
    this.done = done;
    const doc = ctx.page.doc;
    this.zone = doc.timezone;
    this.speakers = (item?.speakers ?? []).map((s) => ({ ...s }));
    this.idTouched = false;
    this.element = this.build(doc);
    if (item) {
      this.base = ctx.track(this.element, (d) => d.items.find((i) => i.id === item.id),
                            (d) => d.items.find((i) => i.id === item.id)?.version ?? null);
    }
  }

  build(doc) {
    const t = this.ctx.t;
    const item = this.item;
    const headingId = uid("h");
    const lang = this.ctx.page.strings.lang;
    const form = el("form", { class: "item-form panel-form", "aria-labelledby": headingId,
                              novalidate: true });
    const heading = el("h3", { id: headingId }, item
      ? t("agenda.edit_heading", { title: localized(item.title, lang, doc.languages) })
      : t("agenda.add_heading"));

    this.id = el("input", { type: "text", name: "id", autocomplete: "off", spellcheck: "false",
                            value: item?.id ?? "", readonly: !!item });
    this.id.oninput = () => { this.idTouched = true; };
    this.kind = el("select", { name: "kind" },
      ...options(KINDS.map((k) => [k, t(`kind.${k}`)]), item?.kind ?? "speech"));
    const titleLanguages = [...new Set([...doc.languages, ...Object.keys(item?.title ?? {})])];
    this.titles = titleLanguages.map((code) => {
      const input = el("input", { type: "text", lang: code, value: item?.title?.[code] ?? "",
                                  name: `title-${code}` });
      input.dataset.language = code;
      return input;
    });
    // A new item's id follows its title (English first) until typed by hand.
    const suggest = () => {
      if (item || this.idTouched) return;
      const titles = [...this.titles].sort((x, y) => (y.dataset.language === "en")
        - (x.dataset.language === "en"));
      this.id.value = titles.map((input) => slug(input.value)).find(Boolean) ?? "";
    };
    for (const input of this.titles) input.addEventListener("input", suggest);
    this.start = el("input", { type: "datetime-local", name: "start",
      value: item ? toWallInput(new Date(item.start), this.zone) : "" });
    this.startInitial = this.start.value;
    this.duration = el("input", { type: "number", name: "duration", min: "1", step: "any",
                                  inputmode: "decimal",
                                  value: item ? String(minutes(item.duration)) : "10" });
    this.shift = el("input", { checked: true, name: "shift_following" });
    this.floor = el("select", { name: "floor_language" }, ...options(
      [["", t("agenda.no_language")],
       ...languageCodes(doc.languages).map((c) => [c, `${languageName(c)} (${c})`])],
      item?.floor_language ?? ""));
    this.media = el("input", { type: "text", name: "media", value: item?.media ?? "" });
    this.speakerBox = el("div", { class: "speakers" });
    const addSpeaker = el("button", { type: "button", class: "small" }, t("agenda.add_speaker"));
    addSpeaker.onclick = () => {
      this.readSpeakers();
      this.speakers.push({ name: "", organisation: null, venue: null,
                           language: this.floor.value || doc.languages[0] });
      this.renderSpeakers();
      this.speakerBox.querySelector(".speaker:last-child input")?.focus();
    };
    const mediaField = field(t("agenda.field_media"), this.media, "media", t("agenda.media_hint"));
    const showMedia = () => { mediaField.hidden = this.kind.value !== "video" && !this.media.value; };
    this.kind.addEventListener("change", showMedia);
    showMedia();
    this.renderSpeakers();

    const save = el("button", { type: "submit", class: "primary" }, t("organiser.save"));
    const cancel = el("button", { type: "button" }, t("organiser.cancel"));
    cancel.onclick = () => this.done.cancelled();
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); this.done.cancelled(); }
    });
    form.onsubmit = (event) => { event.preventDefault(); this.submit(); };

    form.append(
      heading,
      item ? el("p", { class: "hint" }, t("agenda.item_id", { id: item.id }))
        : field(t("agenda.field_id"), this.id, "id", t("agenda.id_hint")),
      el("div", { class: "field-row" },
        field(t("agenda.field_kind"), this.kind, "kind"),
        field(t("agenda.field_start", { zone: zoneCity(this.zone) }), this.start, "start",
              item ? null : t("agenda.start_hint")),
        field(t("agenda.field_duration"), this.duration, "duration")),
      item ? check(t("agenda.shift_following"), this.shift, "shift_following") : "",
      el("fieldset", { class: "titles" }, el("legend", {}, t("agenda.field_titles")),
        ...this.titles.map((input) => field(languageName(input.dataset.language), input,
                                            `title.${input.dataset.language}`))),
      field(t("agenda.field_floor"), this.floor, "floor_language", t("agenda.floor_hint")),
      el("fieldset", { class: "speakers-set" }, el("legend", {}, t("agenda.field_speakers")),
        this.speakerBox, addSpeaker),
      mediaField,
      formError(),
      el("div", { class: "form-buttons" }, save, cancel));
    return form;
  }

  renderSpeakers() {
    const t = this.ctx.t;
    const doc = this.ctx.page.doc;
    this.speakerBox.replaceChildren(...this.speakers.map((speaker, n) => {
      const name = el("input", { type: "text", value: speaker.name ?? "", dataset: { key: "name" } });
      const organisation = el("input", { type: "text", value: speaker.organisation ?? "",
                                         dataset: { key: "organisation" } });
      const venue = el("select", { dataset: { key: "venue" } }, ...options(
        [["", t("agenda.remote")], ...doc.venues.map((v) => [v.id, `${v.city} — ${v.name}`])],
        speaker.venue ?? ""));
      const language = el("select", { dataset: { key: "language" } }, ...options(
        languageCodes(doc.languages).map((c) => [c, `${languageName(c)} (${c})`]),
        speaker.language));
      const remove = el("button", { type: "button", class: "small",
        "aria-label": t("agenda.remove_speaker", { n: n + 1 }) }, "×");
      remove.onclick = () => {
        this.readSpeakers();
        this.speakers.splice(n, 1);
        this.renderSpeakers();
      };
      return el("div", { class: "speaker", role: "group",
                         "aria-label": t("agenda.speaker_n", { n: n + 1 }) },
        field(t("agenda.speaker_name"), name, `speakers[${n}].name`),
        field(t("agenda.speaker_organisation"), organisation, `speakers[${n}].organisation`),
        field(t("agenda.speaker_venue"), venue, `speakers[${n}].venue`),
        field(t("agenda.speaker_language"), language, `speakers[${n}].language`),
        remove);
    }));
  }

  readSpeakers() {
    this.speakers = [...this.speakerBox.querySelectorAll(".speaker")].map((row) => {
      const value = (key) => row.querySelector(`[data-key="${key}"]`).value.trim();
      return { name: value("name"), organisation: value("organisation") || null,
               venue: value("venue") || null, language: value("language") };
    });
    return this.speakers;
  }

  /** Every field as the API takes it (a value the API will refuse is sent as typed). */
  values() {
    const out = { kind: this.kind.value, title: {} };
    for (const input of this.titles) {
      if (input.value.trim()) out.title[input.dataset.language] = input.value.trim();
    }
    if (this.start.value && this.start.value !== this.startInitial) {
      const at = fromWallInput(this.start.value, this.zone);
      out.start = at ? isoUtc(at) : this.start.value;
    }
    if (this.duration.value.trim()) {
      const value = Number(this.duration.value);
      out.duration = Number.isFinite(value) ? Math.round(value * 60) : this.duration.value;
    }
    out.floor_language = this.floor.value || null;
    out.speakers = this.readSpeakers();
    out.media = this.media.value.trim() || null;
    return out;
  }

  async submit() {
    const values = this.values();
    const form = this.element;
    let ok;
    let id;
    if (this.item) {
      id = this.item.id;
      // What the user changed, compared with the item as the form showed it.
      const patch = {};
      for (const [key, value] of Object.entries(values)) {
        if (canonical(value) !== canonical(this.item[key])) patch[key] = value;
      }
      if (!Object.keys(patch).length) {
        this.done.cancelled();
        return;
      }
      patch.shift_following = this.shift.checked;
      ok = await this.ctx.write((api) => api.patchItem(id, patch, this.base.version),
                               { form, item: id });
    } else {
      id = this.id.value.trim();
      const body = { id, ...values };
      if (!body.media) delete body.media;
      ok = await this.ctx.write((api) => api.addItem(body), { form, item: id });
    }
    if (ok) {
      this.ctx.announce(this.ctx.t(this.item ? "agenda.saved" : "agenda.added", { id }));
      this.done.saved(id);
    }
  }

  focus() {
    this.element.scrollIntoView({ block: "nearest" });
    (this.item ? this.titles[0] : this.titles[0] ?? this.id)?.focus();
  }
}
