// The playback page: a meeting's recordings, one played with a choice of
// language (the floor or an interpretation), chapters from the agenda, and
// downloads. Playback uses per-track WebM exports made by the server
// (POST /api/recordings/{id}/exports); docs/recordings.md describes it.
// URL: /playback/{meeting}#token=…[&recording=…]

import { joinParams } from "./protocol.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $, el, duration } from "./ui.js";
import { RecordingsApi } from "./playback-api.js";
import { SyncedPlayer } from "./playback-player.js";

const LANGUAGE_KEY = "silkhall.playback.language";
const POLL_LIST = 5000; // ms between list refreshes while something is recording
const PLAYABLE = new Set(["finished", "recovered"]);
const RATES = [0.75, 1, 1.25, 1.5, 2];

const page = {
  strings: null,
  meeting: "",
  token: "",
  /** @type {?RecordingsApi} */
  api: null,
  title: null, // the meeting's title, by language
  recordings: [],
  /** @type {?object} the selected recording */
  recording: null,
  /** @type {Map<string, {state: string, progress: number, url: ?string, error: ?string}>} */
  exports: new Map(),
  /** the language asked for; page.player.audioKey is the one heard */
  requested: localStorage.getItem(LANGUAGE_KEY) || "floor",
  player: null,
  error: null,
  generation: 0, // bumped when another recording is selected: stale work stops
  // for tests and debugging (read-only use)
  get currentTime() { return page.player?.currentTime ?? 0; },
  get language() { return page.player?.audioKey ?? null; },
  get playing() { return page.player?.playing ?? false; },
  get ready() { return page.player?.ready ?? false; },
  get switching() { return !!page.player?.ready && page.requested !== page.player.audioKey; },
  get switches() { return page.player?.switches ?? []; },
  get corrections() { return page.player?.corrections ?? 0; },
  get chapters() { return page.recording?.chapters ?? []; },
  get chapter() { return currentChapter(); },
  get hasVideo() { return !!videoTrack(); },
};
window.silkhall = page;

const t = (key, vars) => page.strings.t(key, vars);

// --- start -------------------------------------------------------------------

async function main() {
  page.strings = await loadStrings();
  setupUiLanguage();
  page.strings.apply(document);
  const { meeting, token } = joinParams(location);
  page.meeting = meeting;
  page.token = token;
  if (!token) { showError(t("join.bad_link")); return; }
  page.api = new RecordingsApi(token);
  page.player = new SyncedPlayer({ video: $("#video"), onchange: rendered });
  setupControls();
  page.api.meeting(meeting)
    .then((m) => { page.title = m.title; renderTitle(); })
    .catch(() => {});
  await refreshList();
  setInterval(renderClock, 200);
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    renderTitle();
    renderList();
    renderRecording();
  });
}

function showError(message) {
  page.error = message;
  $("#alert").textContent = message;
}

function apiMessage(err) {
  if (["token_expired", "bad_token"].includes(err.code)) return t(`error.${err.code}`);
  if (err.code === "wrong_meeting") return t("playback.wrong_meeting");
  return err.message;
}

// --- the list ----------------------------------------------------------------

async function refreshList() {
  try {
    page.recordings = await page.api.recordings(page.meeting);
  } catch (err) {
    showError(t("playback.load_failed", { message: apiMessage(err) }));
    return;
  }
  const current = page.recordings.find((r) => r.id === page.recording?.id);
  if (current && current.state !== page.recording.state) select(current);
  else if (!page.recording) {
    // The one the link names, else the latest that can be played.
    const wanted = new URLSearchParams(location.hash.slice(1)).get("recording");
    const playable = page.recordings.filter((r) => PLAYABLE.has(r.state));
    const first = playable.find((r) => r.id === wanted) ?? playable.at(-1);
    if (first) select(first);
  }
  renderList();
  if (page.recordings.some((r) => r.state === "recording")) setTimeout(refreshList, POLL_LIST);
}

const dateTime = (unix) => new Intl.DateTimeFormat(page.strings.lang,
  { dateStyle: "medium", timeStyle: "short" }).format(new Date(unix * 1000));

function size(bytes) {
  const [value, unit] = bytes >= 1e6 ? [bytes / 1e6, "megabyte"] : [bytes / 1e3, "kilobyte"];
  return new Intl.NumberFormat(page.strings.lang,
    { style: "unit", unit, maximumFractionDigits: 1 }).format(value);
}

/** A state's name; a state this page does not know yet shows as it is. */
function stateLabel(state) {
  const key = `playback.state_${state}`;
  const text = t(key);
  return text === key ? state : text;
}

function stateNote(recording) {
  const notes = {
    recovered: "playback.recovered_note", failed: "playback.failed_note",
    recording: "playback.recording_note", interrupted: "playback.interrupted_note",
  };
  const note = notes[recording.state] ? t(notes[recording.state]) : "";
  // A recording continued on another server after a node loss has parts.
  const part = recording.part > 1 ? t("playback.part", { n: recording.part }) : "";
  return [part, note].filter(Boolean).join(" · ");
}

function renderList() {
  const body = $("#recordings tbody");
  body.replaceChildren(...page.recordings.map((r) => {
    const selected = r.id === page.recording?.id;
    const started = dateTime(r.started_at);
    const action = PLAYABLE.has(r.state)
      ? el("button", { class: selected ? "selected" : "", "aria-pressed": String(selected),
                       "aria-label": t("playback.play_label", { started }),
                       onclick: () => select(r) },
           t(selected ? "playback.selected" : "playback.play_this"))
      : "";
    return el("tr", { class: selected ? "current" : "", "aria-current": selected ? "true" : null,
                      dataset: { id: r.id, state: r.state } },
      el("td", {}, started),
      el("td", { class: "num" }, duration(r.duration)),
      el("td", { class: "num" }, size(r.size)),
      el("td", {}, el("span", { class: `badge ${r.state}` }, stateLabel(r.state)),
         stateNote(r) ? el("small", { class: "note" }, stateNote(r)) : ""),
      el("td", {}, action));
  }));
  $("#recordings").hidden = page.recordings.length === 0;
  $("#no-recordings").hidden = page.recordings.length > 0;
}

function renderTitle() {
  const lang = page.strings.lang;
  const title = page.title ? page.title[lang] ?? Object.values(page.title)[0] : page.meeting;
  $("#title").textContent = `${title} — ${t("playback.title")}`;
  document.title = `${t("playback.title")} — ${title}`;
}

// --- one recording -------------------------------------------------------------

const audioTracks = () => (page.recording?.tracks ?? []).filter((tr) => tr.kind === "audio");
const videoTrack = () => (page.recording?.tracks ?? []).find((tr) => tr.kind === "video");

/** A track's name for listeners: the floor, or the language in itself. */
function trackName(track) {
  if (track.key === "floor") return t("playback.floor");
  const own = track.title.split(" — ")[0];
  if (own && own !== track.title) return own;
  try {
    return new Intl.DisplayNames([track.key], { type: "language" }).of(track.key) ?? track.key;
  } catch {
    return track.key;
  }
}

async function select(recording) {
  const generation = ++page.generation;
  page.recording = recording;
  page.exports = new Map();
  page.player.destroy();
  page.player = new SyncedPlayer({ video: $("#video"), onchange: rendered });
  page.player.setRate(Number($("#rate").value));
  page.player.setVolume(Number($("#volume").value) / 100);
  if (!audioTracks().some((tr) => tr.key === page.requested)) page.requested = "floor";
  renderList();
  renderRecording();
  if (!PLAYABLE.has(recording.state)) return;
  history.replaceState(null, "", `#token=${encodeURIComponent(page.token)}&recording=${recording.id}`);
  // What the page needs first: the picture and the chosen language; then
  // every other language in the background, so switching is immediate.
  try {
    const video = videoTrack();
    const [videoUrl, audioUrl] = await Promise.all([
      video ? exported(video.key, generation) : null,
      exported(page.requested, generation),
    ]);
    if (generation !== page.generation) return;
    await page.player.load({ videoUrl, audioUrl, audioKey: page.requested });
    if (generation !== page.generation) return;
    if (page.requested !== page.player.audioKey) switchTo(page.requested);
  } catch (err) {
    if (generation === page.generation) showError(t("playback.play_failed", { message: err.message }));
    return;
  }
  for (const track of audioTracks()) {
    if (generation !== page.generation) return;
    await exported(track.key, generation).catch(() => {});
  }
  // The list's file sizes now include the exports.
  page.api.recording(recording.id).then((fresh) => {
    if (generation !== page.generation) return;
    page.recording = { ...page.recording, files: fresh.files };
    renderDownloads();
  }).catch(() => {});
}

/** Start (or join) the export of one track; resolve with its file's URL. */
function exported(key, generation) {
  const known = page.exports.get(key);
  if (known?.promise) return known.promise;
  const entry = { state: "running", progress: 0, url: null, error: null, promise: null };
  page.exports.set(key, entry);
  const stale = () => generation !== page.generation;
  entry.promise = page.api.exportTrack(page.recording.id, key, (progress) => {
    entry.progress = progress;
    renderExports();
  }, stale);
  entry.promise.then((url) => {
    Object.assign(entry, { state: "done", progress: 1, url });
    renderExports();
  }, (err) => {
    if (stale()) return;
    Object.assign(entry, { state: "failed", error: err.message, promise: null });
    renderExports();
  });
  return entry.promise;
}

async function switchTo(key) {
  page.requested = key;
  localStorage.setItem(LANGUAGE_KEY, key);
  renderPlayer();
  const generation = page.generation;
  if (!page.player.ready || page.player.audioKey === key) return;
  try {
    const url = await exported(key, generation);
    if (generation !== page.generation || page.requested !== key) return;
    await page.player.switchAudio(url, key);
  } catch (err) {
    if (generation === page.generation) showError(t("playback.play_failed", { message: err.message }));
  }
  renderPlayer();
}

// --- controls --------------------------------------------------------------------

function setupControls() {
  $("#rate").replaceChildren(...RATES.map((r) => el("option", { value: r, selected: r === 1 },
    `${r}×`)));
  $("#play").onclick = togglePlay;
  $("#back").onclick = () => seek(page.player.currentTime - 10);
  $("#forward").onclick = () => seek(page.player.currentTime + 10);
  $("#prev-chapter").onclick = () => stepChapter(-1);
  $("#next-chapter").onclick = () => stepChapter(1);
  $("#language").onchange = (e) => switchTo(e.target.value);
  $("#rate").onchange = (e) => page.player.setRate(Number(e.target.value));
  $("#volume").oninput = (e) => page.player.setVolume(Number(e.target.value) / 100);
  const slider = $("#seek");
  slider.oninput = () => { slider.dataset.dragging = "1"; renderClock(); };
  slider.onchange = () => { delete slider.dataset.dragging; seek(Number(slider.value)); };
  document.addEventListener("keydown", onKey);
}

async function togglePlay() {
  if (page.player.playing) { page.player.pause(); return; }
  try {
    await page.player.play();
    $("#alert").textContent = "";
  } catch (err) {
    showError(t("playback.play_failed", { message: err.message }));
  }
}

function seek(seconds) {
  const end = page.recording?.duration ?? 0;
  return page.player.seek(Math.min(Math.max(0, seconds), end));
}

function currentChapter() {
  const chapters = page.recording?.chapters ?? [];
  const now = page.player?.currentTime ?? 0;
  let index = -1;
  chapters.forEach((c, i) => { if (now + 0.05 >= c.start) index = i; });
  return index;
}

function stepChapter(step) {
  const chapters = page.recording?.chapters ?? [];
  const now = currentChapter();
  // "Previous" within the first seconds of a chapter goes to the one before.
  const into = now >= 0 ? page.player.currentTime - chapters[now].start : 0;
  const target = step < 0 && into > 3 ? now : now + step;
  if (target >= 0 && target < chapters.length) seek(chapters[target].start);
}

/** Space plays or pauses, ←/→ move 5 s, unless a control has the focus. */
function onKey(event) {
  const target = /** @type {HTMLElement} */ (event.target);
  if (event.ctrlKey || event.metaKey || event.altKey || !page.player?.ready) return;
  if (target.closest("input, select, textarea, button, a")) return;
  if (event.key === " ") togglePlay();
  else if (event.key === "ArrowLeft") seek(page.player.currentTime - 5);
  else if (event.key === "ArrowRight") seek(page.player.currentTime + 5);
  else return;
  event.preventDefault();
}

// --- rendering ------------------------------------------------------------------------

function renderRecording() {
  const recording = page.recording;
  $("#player").hidden = !recording;
  $("#side").hidden = !recording;
  if (!recording) return;
  $("#player-heading").textContent = t("playback.recording_of", { started: dateTime(recording.started_at) });
  const note = stateNote(recording);
  $("#recording-note").textContent = note;
  $("#recording-note").hidden = !note;
  $("#stage").classList.toggle("audio-only", !videoTrack());
  $("#audio-only").hidden = !!videoTrack();
  $("#video").hidden = !videoTrack();
  const slider = $("#seek");
  slider.max = String(recording.duration);
  renderChapters();
  renderDownloads();
  renderPlayer();
}

function renderChapters() {
  const chapters = page.recording?.chapters ?? [];
  $("#no-chapters").hidden = chapters.length > 0;
  $("#chapters").replaceChildren(...chapters.map((c, i) => el("li", { dataset: { index: i } },
    el("button", { class: "chapter", onclick: () => seek(c.start),
                   "aria-label": t("playback.chapter_label", { title: c.title, time: duration(c.start) }) },
       el("time", {}, duration(c.start)), " ", el("span", { class: "chapter-title" }, c.title)))));
  renderClock();
}

function renderLanguages() {
  const select = $("#language");
  const options = audioTracks().map((track) => {
    const entry = page.exports.get(track.key);
    let label = trackName(track);
    if (entry?.state === "running" && track.key === page.requested) {
      label += ` (${Math.round(entry.progress * 100)}%)`;
    }
    return el("option", { value: track.key, lang: track.key === "floor" ? null : track.key,
                          selected: track.key === page.requested }, label);
  });
  select.replaceChildren(...options);
  select.disabled = options.length === 0;
}

function renderPlayer() {
  if (!page.recording) return;
  const player = page.player;
  const play = $("#play");
  play.textContent = t(player.playing ? "playback.pause" : "playback.play");
  play.dataset.playing = String(player.playing);
  for (const id of ["#play", "#back", "#forward"]) $(id).disabled = !player.ready;
  renderLanguages();
  const pending = page.exports.get(page.requested);
  const track = audioTracks().find((tr) => tr.key === page.requested);
  const name = track ? trackName(track) : page.requested;
  let status = "";
  if (!player.ready && PLAYABLE.has(page.recording.state)) {
    const needed = [videoTrack()?.key, page.requested].filter(Boolean)
      .map((k) => page.exports.get(k)?.progress ?? 0);
    status = t("playback.preparing", { percent: Math.round(Math.min(...needed) * 100) });
  } else if (page.switching) {
    status = pending?.state === "running"
      ? t("playback.preparing_language", { language: name, percent: Math.round(pending.progress * 100) })
      : t("playback.switching", { language: name });
  } else if (player.ready) {
    status = t("playback.now_language", { language: name });
  }
  $("#player-status").textContent = status;
  $("#audio-language").textContent = name;
  $("#audio-language").lang = page.requested === "floor" ? page.strings.lang : page.requested;
}

/** After the player changed: its controls, position and chapter. */
function rendered() {
  renderPlayer();
  renderClock();
}

function renderClock() {
  if (!page.recording || !page.player) return;
  const slider = $("#seek");
  const now = slider.dataset.dragging ? Number(slider.value) : page.player.currentTime;
  if (!slider.dataset.dragging) slider.value = String(now);
  const text = t("playback.position_text", { time: duration(now), duration: duration(page.recording.duration) });
  $("#time").textContent = `${duration(now)} / ${duration(page.recording.duration)}`;
  slider.setAttribute("aria-valuetext", text);
  const index = currentChapter();
  document.querySelectorAll("#chapters li").forEach((li) => {
    const current = Number(li.dataset.index) === index;
    li.classList.toggle("current", current);
    if (current) li.firstElementChild.setAttribute("aria-current", "true");
    else li.firstElementChild.removeAttribute("aria-current");
  });
  const chapter = page.recording.chapters[index];
  $("#audio-chapter").textContent = chapter?.title ?? "";
  if (String(page.player.playing) !== $("#play").dataset.playing) renderPlayer();
}

function renderExports() {
  renderDownloads();
  renderPlayer();
}

function renderDownloads() {
  const recording = page.recording;
  if (!recording) return;
  const items = [];
  const base = `${page.meeting}-${recording.id}`;
  for (const file of recording.files.filter((f) => f.kind === "recording")) {
    items.push(el("li", {}, el("a", { href: page.api.fileUrl(file.url), download: file.name },
      t("playback.download_all", { size: size(file.size) }))));
  }
  for (const file of recording.files.filter((f) => f.kind === "chapters-vtt")) {
    items.push(el("li", {}, el("a", { href: page.api.fileUrl(file.url), download: `${base}-chapters.vtt` },
      t("playback.download_vtt"))));
  }
  for (const track of audioTracks()) {
    const language = trackName(track);
    const entry = page.exports.get(track.key);
    const file = recording.files.find((f) => f.name === `exports/${track.key}.webm`);
    const row = el("li", { dataset: { track: track.key } });
    if (entry?.state === "done") {
      row.append(el("a", { href: entry.url, download: `${base}-${track.key}.webm` },
        file ? t("playback.download_language", { language, size: size(file.size) })
          : t("playback.download_language_nosize", { language })));
    } else if (entry?.state === "running") {
      const percent = Math.round(entry.progress * 100);
      const label = t("playback.export_running", { language, percent });
      row.append(el("span", {}, label), " ",
        el("progress", { max: 100, value: percent, "aria-label": label }));
    } else {
      if (entry?.state === "failed") {
        row.append(el("span", { class: "error" },
          t("playback.export_failed", { language, message: entry.error })), " ");
      }
      row.append(el("button", { onclick: () => exported(track.key, page.generation).catch(() => {}) },
        t("playback.export_prepare", { language })));
    }
    items.push(row);
  }
  $("#downloads").replaceChildren(...items);
}

main().catch((err) => showError(t("playback.load_failed", { message: err.message })));
