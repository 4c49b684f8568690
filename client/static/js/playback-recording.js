// What one recording (GET /api/recordings/…, docs/recordings.md) holds and
// how the playback page names it: its tracks, its chapters and its state.
// Pure functions: the page, its controls and its rendering share them.

/** The states whose recordings can be played; the others are listed only. */
export const PLAYABLE = new Set(["finished", "recovered"]);

export const audioTracks = (recording) => (recording?.tracks ?? []).filter((tr) => tr.kind === "audio");
export const videoTrack = (recording) => (recording?.tracks ?? []).find((tr) => tr.kind === "video");

/** The index of the chapter playing at ``seconds``, -1 before the first. */
export function chapterAt(recording, seconds) {
  const chapters = recording?.chapters ?? [];
  let index = -1;
  chapters.forEach((c, i) => { if (seconds + 0.05 >= c.start) index = i; });
  return index;
}

/** A track's name for listeners: the floor, or the language in itself. */
export function trackName(track, t) {
  if (track.key === "floor") return t("playback.floor");
  const own = track.title.split(" — ")[0];
  if (own && own !== track.title) return own;
  try {
    return new Intl.DisplayNames([track.key], { type: "language" }).of(track.key) ?? track.key;
  } catch {
    return track.key;
  }
}

/** A state's name; a state this page does not know yet shows as it is. */
export function stateLabel(state, t) {
  const key = `playback.state_${state}`;
  const text = t(key);
  return text === key ? state : text;
}

export function stateNote(recording, t) {
  const notes = {
    recovered: "playback.recovered_note", failed: "playback.failed_note",
    recording: "playback.recording_note", interrupted: "playback.interrupted_note",
  };
  const note = notes[recording.state] ? t(notes[recording.state]) : "";
  // A recording continued on another server after a node loss has parts.
  const part = recording.part > 1 ? t("playback.part", { n: recording.part }) : "";
  return [part, note].filter(Boolean).join(" · ");
}
