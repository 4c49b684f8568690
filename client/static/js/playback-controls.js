// The playback page's controls: play/pause, ±10 s, the position slider,
// chapter steps, language, speed and volume, and the keyboard (Space plays
// or pauses, ←/→ move 5 s). They act on the page's SyncedPlayer, whose
// onchange renders the result.

import { $, el } from "./ui.js";
import { chapterAt } from "./playback-recording.js";

const RATES = [0.75, 1, 1.25, 1.5, 2];

export class PlaybackControls {
  /** @param {any} ctx the playback page's context: page, t, seek, switchTo, showError, renderClock */
  constructor(ctx) {
    this.ctx = ctx;
    this.page = ctx.page;
    const page = this.page;
    $("#rate").replaceChildren(...RATES.map((r) => el("option", { value: r, selected: r === 1 },
      `${r}×`)));
    $("#play").onclick = () => this.togglePlay();
    $("#back").onclick = () => ctx.seek(page.player.currentTime - 10);
    $("#forward").onclick = () => ctx.seek(page.player.currentTime + 10);
    $("#prev-chapter").onclick = () => this.stepChapter(-1);
    $("#next-chapter").onclick = () => this.stepChapter(1);
    $("#language").onchange = (e) => ctx.switchTo(e.target.value);
    $("#rate").onchange = (e) => page.player.setRate(Number(e.target.value));
    $("#volume").oninput = (e) => page.player.setVolume(Number(e.target.value) / 100);
    const slider = $("#seek");
    slider.oninput = () => { slider.dataset.dragging = "1"; ctx.renderClock(); };
    slider.onchange = () => { delete slider.dataset.dragging; ctx.seek(Number(slider.value)); };
    document.addEventListener("keydown", (e) => this.onKey(e));
  }

  async togglePlay() {
    const page = this.page;
    if (page.player.playing) { page.player.pause(); return; }
    try {
      await page.player.play();
      $("#alert").textContent = "";
    } catch (err) {
      this.ctx.showError(this.ctx.t("playback.play_failed", { message: err.message }));
    }
  }

  stepChapter(step) {
    const page = this.page;
    const chapters = page.recording?.chapters ?? [];
    const now = chapterAt(page.recording, page.player?.currentTime ?? 0);
    // "Previous" within the first seconds of a chapter goes to the one before.
    const into = now >= 0 ? page.player.currentTime - chapters[now].start : 0;
    const target = step < 0 && into > 3 ? now : now + step;
    if (target >= 0 && target < chapters.length) this.ctx.seek(chapters[target].start);
  }

  /** Space plays or pauses, ←/→ move 5 s, unless a control has the focus. */
  onKey(event) {
    const page = this.page;
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.ctrlKey || event.metaKey || event.altKey || !page.player?.ready) return;
    if (target.closest("input, select, textarea, button, a")) return;
    if (event.key === " ") this.togglePlay();
    else if (event.key === "ArrowLeft") this.ctx.seek(page.player.currentTime - 5);
    else if (event.key === "ArrowRight") this.ctx.seek(page.player.currentTime + 5);
    else return;
    event.preventDefault();
  }
}
