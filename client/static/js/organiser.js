// The organiser page: edit the meeting, its venues, booths and agenda
// through the REST API (docs/api.md), mint join links, and run the meeting
// live over the signalling WebSocket (docs/protocol.md, "Agenda messages").

import { joinParams } from "./protocol.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $, el } from "./ui.js";
import { AgendaApi, ApiError } from "./agenda-api.js";
import { formMessage, showErrors } from "./forms.js";
import { hm, viewerZone, zoneCity } from "./agenda-time.js";
import { localized } from "./languages.js";
import { AgendaEditor } from "./agenda-editor.js";
import { MeetingEditor, PlacesEditor } from "./meeting-editor.js";
import { JoinLinks } from "./join-links.js";
import { LivePanel } from "./live-panel.js";
import { VenuePanel } from "./venue-panel.js";
import { MediaPanel } from "./media-panel.js";
import { RecordingPanel } from "./recording-panel.js";

const page = {
  strings: null,
  meetingId: "",
  token: "",
  api: null,
  /** the meeting as the REST API last answered it */
  doc: null,
  /** GET …/coverage for that version */
  coverage: null,
  writes: 0,
  live: null,
  panels: {},
};
window.silkhall = page; // for tests and debugging (read-only use)

/** Forms tracking the version their edit is based on. */
const bases = new Set();
let queue = Promise.resolve();
let refreshTimer = null;

const ctx = {
  page,
  t: (key, vars) => page.strings.t(key, vars),
  write,
  failed,
  track,
  announce,
  notice,
  reload,
  refreshSoon,
};

async function main() {
  page.strings = await loadStrings();
  setupUiLanguage();
  page.strings.apply(document);
  setupNotice();
  setupTabs();
  const { meeting, token } = joinParams(location);
  page.meetingId = meeting;
  page.token = token;
  if (!token) {
    $("#load-error").textContent = ctx.t("join.bad_link");
    return;
  }
  page.api = new AgendaApi({ token, meeting });
  page.panels = {
    agenda: new AgendaEditor($("#panel-agenda"), ctx),
    meeting: new MeetingEditor($("#panel-meeting"), ctx),
    places: new PlacesEditor($("#panel-places"), ctx),
    links: new JoinLinks($("#panel-links"), ctx),
    feeds: new VenuePanel($("#panel-feeds"), ctx),
    media: new MediaPanel($("#panel-media"), ctx),
    recordings: new RecordingPanel($("#panel-recordings"), ctx),
  };
  try {
    page.doc = await page.api.getMeeting();
  } catch (err) {
    $("#load-error").textContent = err instanceof ApiError
      ? ctx.t(`organiser.load_${err.status === 401 ? "unauthorised" : err.status === 403
        ? "forbidden" : "failed"}`, { message: err.message })
      : ctx.t("error.generic", { message: err.message });
    return;
  }
  renderAll();
  refreshCoverage();
  setInterval(renderClock, 1000);
  page.live = new LivePanel($("#live"), ctx);
  page.live.connect();
  for (const panel of Object.values(page.panels)) panel.connect?.(page.signalling);
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    renderAll();
    page.live?.render();
  });
}

// --- the page's frame -------------------------------------------------------

function setupTabs() {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  const select = (tab, focus) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      $(`#${other.getAttribute("aria-controls")}`).hidden = !on;
    }
    if (focus) tab.focus();
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(tab);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[
        event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  }
}

function setupNotice() {
  $("#notice-close").onclick = () => { $("#notice").hidden = true; };
  $("#notice-reload").onclick = () => reload();
}

/** A message at the top of the page; with ``reload``, a button to reload the meeting. */
function notice(text, { reload: offerReload = false } = {}) {
  $("#notice-text").textContent = text;
  $("#notice-reload").hidden = !offerReload;
  $("#notice").hidden = false;
  $("#notice").dataset.kind = offerReload ? "conflict" : "error";
}

/** Say something to screen readers. */
function announce(text) {
  const region = $("#announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 30);
}

function renderClock() {
  if (!page.doc) return;
  const now = new Date();
  const clock = $("#clock");
  clock.textContent = `${hm(now, page.doc.timezone)} ${zoneCity(page.doc.timezone)}`;
  clock.title = ctx.t("agenda.your_time", { time: hm(now), zone: viewerZone() });
}

function renderAll({ reset = false } = {}) {
  if (!page.doc) return;
  const title = localized(page.doc.title, page.strings.lang, page.doc.languages);
  $("#title").textContent = title;
  document.title = `${title} — ${ctx.t("organiser.title")}`;
  renderClock();
  for (const panel of Object.values(page.panels)) panel.render({ reset });
}

// --- the meeting document and writes ---------------------------------------

/**
 * Remember which version a form's edit is based on. When the meeting
 * changes and the part the form edits is unchanged, the form moves to the
 * new version; if that part changed (someone else edited it), the form says
 * so and its next save gets a 409.
 * @param {HTMLFormElement} form @param {(doc: any) => any} select the part edited
 * @param {(doc: any) => ?number} [versionOf] the version to send (the meeting's by default)
 */
function track(form, select, versionOf = (doc) => doc.version) {
  const entry = { form, select, versionOf, version: versionOf(page.doc),
                  snapshot: JSON.stringify(select(page.doc) ?? null), stale: false };
  bases.add(entry);
  return entry;
}

function rebase(doc, own) {
  for (const entry of bases) {
    if (!entry.form.isConnected) {
      bases.delete(entry);
      continue;
    }
    const snapshot = JSON.stringify(entry.select(doc) ?? null);
    if (snapshot === entry.snapshot || entry.form === own) {
      entry.snapshot = snapshot;
      entry.version = entry.versionOf(doc);
      entry.stale = false;
    } else if (!entry.stale) {
      entry.stale = true;
      formMessage(entry.form, ctx.t("organiser.stale_form"));
    }
  }
}

function setDoc(doc, { own = null, reset = false } = {}) {
  const changed = !page.doc || doc.version !== page.doc.version;
  page.doc = doc;
  rebase(doc, own);
  renderAll({ reset });
  if (changed || reset) refreshCoverage();
}

async function refreshCoverage() {
  const version = page.doc.version;
  try {
    const report = await page.api.coverage();
    if (page.doc.version !== version && report.version !== page.doc.version) return;
    page.coverage = report;
    page.panels.agenda.render();
  } catch (err) {
    console.warn("coverage", err);
  }
}

/**
 * Run API writes one at a time, each reading the meeting as the previous
 * one left it. ``action(api, doc)`` answers the meeting as stored.
 * @returns {Promise<boolean>} whether it was stored
 */
function write(action, options = {}) {
  const run = queue.then(() => perform(action, options));
  queue = run.catch(() => {});
  return run;
}

async function perform(action, { form = null, item = null } = {}) {
  page.writes += 1;
  document.body.dataset.busy = "true";
  try {
    const meeting = await action(page.api, page.doc);
    if (meeting) setDoc(meeting, { own: form });
    return true;
  } catch (err) {
    failed(err, form, item);
    return false;
  } finally {
    page.writes -= 1;
    if (!page.writes) delete document.body.dataset.busy;
  }
}

function failed(err, form, item) {
  if (!(err instanceof ApiError)) {
    notice(ctx.t("error.generic", { message: err.message }));
    return;
  }
  if (err.stale) {
    notice(ctx.t("organiser.conflict"), { reload: true });
    if (form) formMessage(form, ctx.t("organiser.conflict"));
    return;
  }
  if (err.status === 401 || err.status === 403) {
    notice(ctx.t("organiser.not_allowed", { message: err.message }));
    return;
  }
  if (form && [400, 404, 409, 422, 428].includes(err.status)) {
    showErrors(form, err, { item });
    return;
  }
  notice(ctx.t("error.generic", { message: err.message }));
}

/** Fetch the meeting again and drop every open form. */
async function reload() {
  try {
    const doc = await page.api.getMeeting();
    $("#notice").hidden = true;
    setDoc(doc, { reset: true });
    announce(ctx.t("organiser.reloaded"));
  } catch (err) {
    failed(err, null, null);
  }
}

/** The live room says the agenda changed: catch up unless we are writing. */
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    if (page.writes || !page.doc) {
      refreshSoon();
      return;
    }
    try {
      const doc = await page.api.getMeeting();
      if (!page.writes && doc.version > page.doc.version) {
        setDoc(doc);
        announce(ctx.t("organiser.changed_elsewhere"));
      }
    } catch (err) {
      console.warn("refresh", err);
    }
  }, 300);
}

window.addEventListener("load", () => { main().catch((err) => console.error(err)); });
