// The playback page: a meeting's recordings, one played with a choice of
// language (the floor or an interpretation), chapters from the agenda, and
// downloads. Playback uses per-track WebM exports made by the server
// (POST /api/recordings/{id}/exports); docs/recordings.md describes it.
// URL: /playback/{meeting}#token=…[&recording=…]
// This module holds the page's state and what it loads; playback-view.js
// renders it and playback-controls.js wires the controls.

import { joinParams } from "./protocol.js";
import { loadStrings, uiLanguageSelect } from "./i18n.js";
import { $ } from "./ui.js";
import { RecordingsApi } from "./playback-api.js";
import { SyncedPlayer } from "./playback-player.js";
import { PLAYABLE, audioTracks, chapterAt, videoTrack } from "./playback-recording.js";
import { PlaybackView } from "./playback-view.js";
import { PlaybackControls } from "./playback-controls.js";

const LANGUAGE_KEY = "silkhall.playback.language";
const POLL_LIST = 5000; // ms between list refreshes while something is recording

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
  /** @type {?PlaybackView} */
  view: null,
  /** @type {?PlaybackControls} */
  controls: null,
  // for tests and debugging (read-only use)
  get currentTime() { return page.player?.currentTime ?? 0; },
  get language() { return page.player?.audioKey ?? null; },
  get playing() { return page.player?.playing ?? false; },
  get ready() { return page.player?.ready ?? false; },
  get switching() { return !!page.player?.ready && page.requested !== page.player.audioKey; },
  get switches() { return page.player?.switches ?? []; },
  get corrections() { return page.player?.corrections ?? 0; },
  get chapters() { return page.recording?.chapters ?? []; },
  get chapter() { return chapterAt(page.recording, page.player?.currentTime ?? 0); },
  get hasVideo() { return !!videoTrack(page.recording); },
};
window.silkhall = page;

const ctx = {
  page,
  t: (key, vars) => page.strings.t(key, vars),
  select,
  exported,
  switchTo,
  seek,
  showError,
  renderClock: () => page.view.renderClock(),
};
const { t } = ctx;

// --- start -------------------------------------------------------------------

async function main() {
  page.strings = await loadStrings();
  page.view = new PlaybackView(ctx);
  setupUiLanguage();
  page.strings.apply(document);
  const { meeting, token } = joinParams(location);
  page.meeting = meeting;
  page.token = token;
  if (!token) { showError(t("join.bad_link")); return; }
  page.api = new RecordingsApi(token);
  page.player = newPlayer();
  page.controls = new PlaybackControls(ctx);
  page.api.meeting(meeting)
    .then((m) => { page.title = m.title; page.view.renderTitle(); })
    .catch(() => {});
  await refreshList();
  setInterval(() => page.view.renderClock(), 200);
}

function setupUiLanguage() {
  uiLanguageSelect($("#ui-lang"), page.strings, (strings) => {
    page.strings = strings;
    page.view.renderTitle();
    page.view.renderList();
    page.view.renderRecording();
  });
}

function newPlayer() {
  return new SyncedPlayer({ video: $("#video"), onchange: () => page.view.rendered() });
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
  page.view.renderList();
  if (page.recordings.some((r) => r.state === "recording")) setTimeout(refreshList, POLL_LIST);
}

// --- one recording -------------------------------------------------------------

async function select(recording) {
  const generation = ++page.generation;
  page.recording = recording;
  page.exports = new Map();
  page.player.destroy();
  page.player = newPlayer();
  page.player.setRate(Number($("#rate").value));
  page.player.setVolume(Number($("#volume").value) / 100);
  if (!audioTracks(recording).some((tr) => tr.key === page.requested)) page.requested = "floor";
  page.view.renderList();
  page.view.renderRecording();
  if (!PLAYABLE.has(recording.state)) return;
  history.replaceState(null, "", `#token=${encodeURIComponent(page.token)}&recording=${recording.id}`);
  // What the page needs first: the picture and the chosen language; then
  // every other language in the background, so switching is immediate.
  try {
    const video = videoTrack(recording);
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
  for (const track of audioTracks(recording)) {
    if (generation !== page.generation) return;
    await exported(track.key, generation).catch(() => {});
  }
  // The list's file sizes now include the exports.
  page.api.recording(recording.id).then((fresh) => {
    if (generation !== page.generation) return;
    page.recording = { ...page.recording, files: fresh.files };
    page.view.renderDownloads();
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
    page.view.renderExports();
  }, stale);
  entry.promise.then((url) => {
    Object.assign(entry, { state: "done", progress: 1, url });
    page.view.renderExports();
  }, (err) => {
    if (stale()) return;
    Object.assign(entry, { state: "failed", error: err.message, promise: null });
    page.view.renderExports();
  });
  return entry.promise;
}

async function switchTo(key) {
  page.requested = key;
  localStorage.setItem(LANGUAGE_KEY, key);
  page.view.renderPlayer();
  const generation = page.generation;
  if (!page.player.ready || page.player.audioKey === key) return;
  try {
    const url = await exported(key, generation);
    if (generation !== page.generation || page.requested !== key) return;
    await page.player.switchAudio(url, key);
  } catch (err) {
    if (generation === page.generation) showError(t("playback.play_failed", { message: err.message }));
  }
  page.view.renderPlayer();
}

/** Move the player, kept within the recording. */
function seek(seconds) {
  const end = page.recording?.duration ?? 0;
  return page.player.seek(Math.min(Math.max(0, seconds), end));
}

main().catch((err) => showError(t("playback.load_failed", { message: err.message })));
