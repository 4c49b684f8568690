// The organiser page's media panel: play a video agenda item's file, or any
// file uploaded to the meeting, into the floor ("media_play"); pause,
// resume, stop; what is playing with its position. Files are uploaded with
// PUT /api/meetings/{id}/media/{name} (the raw file as the body), with
// progress.

import { el, duration } from "./ui.js";
import { localized } from "./languages.js";

const MEDIA_REFS = new Set(["media_play", "media_pause", "media_resume", "media_stop"]);

/** A file name the server accepts: letters, digits, ".", "_", "-" and spaces. */
export function safeName(name) {
  const cleaned = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._ -]/g, "_").replace(/^[^A-Za-z0-9]+/, "");
  return (cleaned || "media").slice(0, 200);
}

/** 1.2 MB */
export function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["kB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export class MediaPanel {
  /** @param {HTMLElement} root the tab panel @param {any} ctx the organiser page's context */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.page = ctx.page;
    Object.assign(this.page, { mediaState: { state: "idle" }, mediaFiles: null });
    this.receivedAt = Date.now();
    /** @type {?XMLHttpRequest} */
    this.upload = null;

    this.heading = el("h3", { id: "media-heading" });
    this.nowBox = el("section", { id: "media-now", class: "media-now", "aria-labelledby": "media-heading",
                                  dataset: { state: "idle" } });
    this.nowTitle = el("p", { id: "media-title", class: "media-title" });
    this.badges = el("p", { class: "media-badges" });
    this.progress = el("progress", { id: "media-progress", max: "1", value: "0" });
    this.position = el("span", { id: "media-position", class: "media-position", role: "timer",
                                 "aria-live": "off" });
    this.pauseButton = el("button", { type: "button", id: "media-pause" });
    this.pauseButton.onclick = () => this.send({
      type: this.page.mediaState.state === "paused" ? "media_resume" : "media_pause" });
    this.stopButton = el("button", { type: "button", id: "media-stop", class: "danger" });
    this.stopButton.onclick = () => this.send({ type: "media_stop" });
    this.nowBox.append(this.nowTitle, this.badges,
      el("div", { class: "media-time" }, this.progress, this.position),
      el("div", { class: "form-buttons" }, this.pauseButton, this.stopButton));
    this.error = el("p", { id: "media-error", class: "error", role: "alert" });

    this.itemsHeading = el("h3", { id: "media-items-heading" });
    this.items = el("ul", { id: "media-items", class: "media-list", "aria-labelledby": "media-items-heading" });
    this.filesHeading = el("h3", { id: "media-files-heading" });
    this.files = el("ul", { id: "media-files", class: "media-list", "aria-labelledby": "media-files-heading" });
    this.noFiles = el("p", { class: "hint" });

    this.fileInput = el("input", { type: "file", id: "media-file", accept: "video/*,audio/*,.webm,.mkv,.mp4" });
    this.fileLabel = el("label", { for: "media-file" });
    this.uploadButton = el("button", { type: "button", id: "media-upload", class: "primary" });
    this.uploadButton.onclick = () => (this.upload ? this.cancelUpload() : this.startUpload());
    this.fileInput.onchange = () => this.renderUpload();
    this.uploadProgress = el("progress", { id: "media-upload-progress", max: "1", value: "0", hidden: true });
    this.uploadPercent = el("span", { id: "media-upload-percent", "aria-live": "off" });
    this.uploadStatus = el("p", { id: "media-upload-status", class: "hint", role: "status" });
    this.uploadForm = el("div", { class: "media-upload" },
      el("div", { class: "field" }, this.fileLabel, this.fileInput),
      this.uploadButton, this.uploadProgress, this.uploadPercent, this.uploadStatus);

    root.append(this.heading, this.nowBox, this.error, this.itemsHeading, this.items,
      this.filesHeading, this.noFiles, this.files, this.uploadForm);
    setInterval(() => this.tick(), 500);
  }

  get t() { return this.ctx.t; }

  /** @param {import("./protocol.js").Signalling} signalling */
  connect(signalling) {
    signalling.on("media_state", (m) => {
      this.page.mediaState = m;
      this.receivedAt = Date.now();
      this.error.textContent = "";
      this.renderNow();
    });
    signalling.on("agenda_state", () => this.renderItems());
    signalling.on("error", (m) => {
      if (MEDIA_REFS.has(m.ref)) this.error.textContent = this.t("media.refused", { message: m.message });
    });
    signalling.on("welcome", () => this.loadFiles());
  }

  send(message) {
    this.error.textContent = "";
    if (!this.page.signalling?.send(message)) {
      this.error.textContent = this.t("media.refused", { message: this.t("live.offline") });
    }
  }

  render() {
    const t = this.t;
    this.heading.textContent = t("media.heading");
    this.itemsHeading.textContent = t("media.items");
    this.filesHeading.textContent = t("media.files");
    this.fileLabel.textContent = t("media.choose_file");
    this.progress.setAttribute("aria-label", t("media.position_label"));
    this.uploadProgress.setAttribute("aria-label", t("media.upload_progress"));
    this.renderNow();
    this.renderItems();
    this.renderFiles();
    this.renderUpload();
  }

  // --- what is playing ---------------------------------------------------------

  /** Seconds into the file now: the last position told, plus the time since while playing. */
  positionNow() {
    const m = this.page.mediaState;
    if (!m || m.state === "idle") return 0;
    const since = m.state === "playing" ? (Date.now() - this.receivedAt) / 1000 : 0;
    const position = (m.position ?? 0) + since;
    return m.duration ? Math.min(position, m.duration) : position;
  }

  renderNow() {
    const t = this.t;
    const m = this.page.mediaState ?? { state: "idle" };
    const idle = m.state === "idle";
    this.nowBox.dataset.state = m.state;
    this.nowTitle.textContent = idle ? t("media.nothing") : t(`media.state_${m.state}`, {
      title: m.title ?? m.file ?? "" });
    this.badges.replaceChildren(
      !idle && m.file ? el("span", { class: "badge" }, m.file) : "",
      !idle && m.transcoded
        ? el("span", { class: "badge transcoded", title: t("media.transcoded_hint") }, t("media.transcoded"))
        : "");
    this.pauseButton.textContent = t(m.state === "paused" ? "media.resume" : "media.pause");
    this.pauseButton.disabled = idle;
    this.stopButton.textContent = t("media.stop");
    this.stopButton.disabled = idle;
    this.progress.hidden = idle;
    this.tick();
    this.renderItems();
  }

  tick() {
    const m = this.page.mediaState;
    if (!m || m.state === "idle") {
      this.position.textContent = "";
      return;
    }
    const position = this.positionNow();
    this.progress.value = m.duration ? position / m.duration : 0;
    this.position.textContent = this.t("media.position", {
      position: duration(position), duration: m.duration ? duration(m.duration) : "?" });
  }

  // --- what can be played ------------------------------------------------------

  uploaded(name) {
    return this.page.mediaFiles === null || this.page.mediaFiles.some((f) => f.name === name);
  }

  renderItems() {
    const t = this.t;
    const items = (this.page.doc?.items ?? []).filter((i) => i.kind === "video" || i.media);
    const current = this.page.agendaState?.started ? this.page.agendaState.current : null;
    const playing = this.page.mediaState?.state !== "idle" ? this.page.mediaState?.item : null;
    const languages = this.page.doc?.languages ?? [];
    const focused = this.focusedKey(this.items, "item");
    this.items.replaceChildren(...items.map((item) => {
      const title = localized(item.title, this.page.strings.lang, languages);
      const ready = !!item.media && this.uploaded(item.media);
      const play = el("button", { type: "button", class: "small primary play-item",
                                  "aria-label": t("media.play_item", { title }), disabled: !ready }, t("media.play"));
      play.onclick = () => this.send({ type: "media_play", item: item.id });
      const note = !item.media ? t("media.no_file") : ready ? item.media
        : t("media.not_uploaded", { file: item.media });
      return el("li", { dataset: { item: item.id }, class: item.id === current ? "current" : "" },
        el("span", { class: "name" }, title),
        item.id === current ? el("span", { class: "badge" }, t("media.current")) : "",
        item.id === playing ? el("span", { class: "badge playing" }, t("media.playing")) : "",
        el("span", { class: ready ? "file" : "file missing" }, note), play);
    }));
    this.itemsHeading.hidden = !items.length;
    this.refocus(this.items, "item", focused);
  }

  /** Lists are rebuilt on every change: the focused row's button keeps the focus. */
  focusedKey(list, key) {
    return list.contains(document.activeElement)
      ? document.activeElement.closest("li")?.dataset[key] ?? null : null;
  }

  refocus(list, key, value) {
    if (value === null) return;
    const button = list.querySelector(`[data-${key}="${CSS.escape(value)}"] button`);
    if (button && !button.disabled) button.focus();
  }

  renderFiles() {
    const t = this.t;
    const files = this.page.mediaFiles ?? [];
    const focused = this.focusedKey(this.files, "file");
    this.files.replaceChildren(...files.map((file) => {
      const play = el("button", { type: "button", class: "small play-file",
                                  "aria-label": t("media.play_file", { file: file.name }) }, t("media.play"));
      play.onclick = () => this.send({ type: "media_play", file: file.name });
      return el("li", { dataset: { file: file.name } },
        el("span", { class: "name" }, file.name), el("span", { class: "file" }, sizeText(file.size)), play);
    }));
    this.noFiles.textContent = this.page.mediaFiles === null ? "" : files.length ? "" : t("media.no_files");
    this.refocus(this.files, "file", focused);
  }

  async loadFiles() {
    try {
      const answer = await this.page.api.call("GET", "/media");
      this.page.mediaFiles = answer.files;
    } catch (err) {
      this.error.textContent = this.t("media.list_failed", { message: err.message });
    }
    this.renderFiles();
    this.renderItems();
  }

  // --- uploads -------------------------------------------------------------------

  renderUpload() {
    const t = this.t;
    const busy = !!this.upload;
    this.uploadButton.textContent = t(busy ? "media.cancel_upload" : "media.upload");
    this.uploadButton.classList.toggle("primary", !busy);
    this.uploadButton.disabled = !busy && !this.fileInput.files?.length;
    this.fileInput.disabled = busy;
    this.uploadProgress.hidden = !busy;
    this.uploadPercent.hidden = !busy;
  }

  startUpload() {
    const file = this.fileInput.files?.[0];
    if (!file) return;
    const name = safeName(file.name);
    const url = `${this.page.api.base}/media/${encodeURIComponent(name)}`;
    const xhr = new XMLHttpRequest();
    this.upload = xhr;
    xhr.open("PUT", url);
    xhr.setRequestHeader("Authorization", `Bearer ${this.page.token}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      this.uploadProgress.value = event.loaded / event.total;
      this.uploadPercent.textContent = `${Math.floor((event.loaded / event.total) * 100)} %`;
    };
    const done = (text) => {
      this.upload = null;
      this.uploadStatus.textContent = text;
      this.renderUpload();
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        this.fileInput.value = "";
        done(this.t("media.uploaded", { file: name, size: sizeText(file.size) }));
        this.loadFiles();
        return;
      }
      let message = `HTTP ${xhr.status}`;
      try { message = JSON.parse(xhr.responseText).message ?? message; } catch { /* not JSON */ }
      done(this.t("media.upload_failed", { message }));
    };
    xhr.onerror = () => done(this.t("media.upload_failed", { message: this.t("live.offline") }));
    xhr.onabort = () => done(this.t("media.upload_cancelled"));
    this.uploadProgress.value = 0;
    this.uploadPercent.textContent = "0 %";
    this.uploadStatus.textContent = this.t("media.uploading", { file: name });
    xhr.send(file);
    this.renderUpload();
  }

  cancelUpload() {
    this.upload?.abort();
  }
}
