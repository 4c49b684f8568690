// The playback page's rendering: the list of recordings, and for the
// selected one its player controls, position, chapters, languages and
// downloads. It reads the page's state and its player; what a click does
// is the page's (ctx.select, ctx.exported, ctx.seek).

import { $, el, duration } from "./ui.js";
import { PLAYABLE, audioTracks, chapterAt, stateLabel, stateNote, trackName, videoTrack }
  from "./playback-recording.js";

export class PlaybackView {
  /** @param {any} ctx the playback page's context: page, t, select, exported, seek */
  constructor(ctx) {
    this.ctx = ctx;
    this.page = ctx.page;
    this.t = ctx.t;
  }

  dateTime(unix) {
    return new Intl.DateTimeFormat(this.page.strings.lang,
      { dateStyle: "medium", timeStyle: "short" }).format(new Date(unix * 1000));
  }

  size(bytes) {
    const [value, unit] = bytes >= 1e6 ? [bytes / 1e6, "megabyte"] : [bytes / 1e3, "kilobyte"];
    return new Intl.NumberFormat(this.page.strings.lang,
      { style: "unit", unit, maximumFractionDigits: 1 }).format(value);
  }

  renderTitle() {
    const { page, t } = this;
    const lang = page.strings.lang;
    const title = page.title ? page.title[lang] ?? Object.values(page.title)[0] : page.meeting;
    $("#title").textContent = `${title} — ${t("playback.title")}`;
    document.title = `${t("playback.title")} — ${title}`;
  }

  // --- the list --------------------------------------------------------------

  renderList() {
    const { page, t } = this;
    const body = $("#recordings tbody");
    body.replaceChildren(...page.recordings.map((r) => {
      const selected = r.id === page.recording?.id;
      const started = this.dateTime(r.started_at);
      const action = PLAYABLE.has(r.state)
        ? el("button", { class: selected ? "selected" : "", "aria-pressed": String(selected),
                         "aria-label": t("playback.play_label", { started }),
                         onclick: () => this.ctx.select(r) },
             t(selected ? "playback.selected" : "playback.play_this"))
        : "";
      const note = stateNote(r, t);
      return el("tr", { class: selected ? "current" : "", "aria-current": selected ? "true" : null,
                        dataset: { id: r.id, state: r.state } },
        el("td", {}, started),
        el("td", { class: "num" }, duration(r.duration)),
        el("td", { class: "num" }, this.size(r.size)),
        el("td", {}, el("span", { class: `badge ${r.state}` }, stateLabel(r.state, t)),
           note ? el("small", { class: "note" }, note) : ""),
        el("td", {}, action));
    }));
    $("#recordings").hidden = page.recordings.length === 0;
    $("#no-recordings").hidden = page.recordings.length > 0;
  }

  // --- the selected recording ------------------------------------------------

  renderRecording() {
    const { page, t } = this;
    const recording = page.recording;
    $("#player").hidden = !recording;
    $("#side").hidden = !recording;
    if (!recording) return;
    $("#player-heading").textContent = t("playback.recording_of", { started: this.dateTime(recording.started_at) });
    const note = stateNote(recording, t);
    $("#recording-note").textContent = note;
    $("#recording-note").hidden = !note;
    const video = videoTrack(recording);
    $("#stage").classList.toggle("audio-only", !video);
    $("#audio-only").hidden = !!video;
    $("#video").hidden = !video;
    const slider = $("#seek");
    slider.max = String(recording.duration);
    this.renderChapters();
    this.renderDownloads();
    this.renderPlayer();
  }

  renderChapters() {
    const t = this.t;
    const chapters = this.page.recording?.chapters ?? [];
    $("#no-chapters").hidden = chapters.length > 0;
    $("#chapters").replaceChildren(...chapters.map((c, i) => el("li", { dataset: { index: i } },
      el("button", { class: "chapter", onclick: () => this.ctx.seek(c.start),
                     "aria-label": t("playback.chapter_label", { title: c.title, time: duration(c.start) }) },
         el("time", {}, duration(c.start)), " ", el("span", { class: "chapter-title" }, c.title)))));
    this.renderClock();
  }

  renderLanguages() {
    const { page, t } = this;
    const select = $("#language");
    const options = audioTracks(page.recording).map((track) => {
      const entry = page.exports.get(track.key);
      let label = trackName(track, t);
      if (entry?.state === "running" && track.key === page.requested) {
        label += ` (${Math.round(entry.progress * 100)}%)`;
      }
      return el("option", { value: track.key, lang: track.key === "floor" ? null : track.key,
                            selected: track.key === page.requested }, label);
    });
    select.replaceChildren(...options);
    select.disabled = options.length === 0;
  }

  renderPlayer() {
    const { page, t } = this;
    if (!page.recording) return;
    const player = page.player;
    const play = $("#play");
    play.textContent = t(player.playing ? "playback.pause" : "playback.play");
    play.dataset.playing = String(player.playing);
    for (const id of ["#play", "#back", "#forward"]) $(id).disabled = !player.ready;
    this.renderLanguages();
    const pending = page.exports.get(page.requested);
    const track = audioTracks(page.recording).find((tr) => tr.key === page.requested);
    const name = track ? trackName(track, t) : page.requested;
    let status = "";
    if (!player.ready && PLAYABLE.has(page.recording.state)) {
      const needed = [videoTrack(page.recording)?.key, page.requested].filter(Boolean)
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
  rendered() {
    this.renderPlayer();
    this.renderClock();
  }

  renderClock() {
    const { page, t } = this;
    if (!page.recording || !page.player) return;
    const slider = $("#seek");
    const now = slider.dataset.dragging ? Number(slider.value) : page.player.currentTime;
    if (!slider.dataset.dragging) slider.value = String(now);
    const text = t("playback.position_text", { time: duration(now), duration: duration(page.recording.duration) });
    $("#time").textContent = `${duration(now)} / ${duration(page.recording.duration)}`;
    slider.setAttribute("aria-valuetext", text);
    const index = chapterAt(page.recording, page.player?.currentTime ?? 0);
    document.querySelectorAll("#chapters li").forEach((li) => {
      const current = Number(li.dataset.index) === index;
      li.classList.toggle("current", current);
      if (current) li.firstElementChild.setAttribute("aria-current", "true");
      else li.firstElementChild.removeAttribute("aria-current");
    });
    const chapter = page.recording.chapters[index];
    $("#audio-chapter").textContent = chapter?.title ?? "";
    if (String(page.player.playing) !== $("#play").dataset.playing) this.renderPlayer();
  }

  renderExports() {
    this.renderDownloads();
    this.renderPlayer();
  }

  renderDownloads() {
    const { page, t } = this;
    const recording = page.recording;
    if (!recording) return;
    const items = [];
    const base = `${page.meeting}-${recording.id}`;
    for (const file of recording.files.filter((f) => f.kind === "recording")) {
      items.push(el("li", {}, el("a", { href: page.api.fileUrl(file.url), download: file.name },
        t("playback.download_all", { size: this.size(file.size) }))));
    }
    for (const file of recording.files.filter((f) => f.kind === "chapters-vtt")) {
      items.push(el("li", {}, el("a", { href: page.api.fileUrl(file.url), download: `${base}-chapters.vtt` },
        t("playback.download_vtt"))));
    }
    for (const track of audioTracks(recording)) {
      const language = trackName(track, t);
      const entry = page.exports.get(track.key);
      const file = recording.files.find((f) => f.name === `exports/${track.key}.webm`);
      const row = el("li", { dataset: { track: track.key } });
      if (entry?.state === "done") {
        row.append(el("a", { href: entry.url, download: `${base}-${track.key}.webm` },
          file ? t("playback.download_language", { language, size: this.size(file.size) })
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
        row.append(el("button", { onclick: () => this.ctx.exported(track.key, page.generation).catch(() => {}) },
          t("playback.export_prepare", { language })));
      }
      items.push(row);
    }
    $("#downloads").replaceChildren(...items);
  }
}
