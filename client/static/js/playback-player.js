// Plays a recording from its per-track exports: a muted <video> for the
// picture and an <audio> for the chosen language, kept on one timeline.
// Browsers cannot switch the audio tracks of a Matroska file, so each
// language is its own WebM file; the exports keep the recording's
// timestamps, so the same currentTime is the same instant in every file.
//
// The audio is the clock (what people hear); the video follows it and is
// moved when it is off by more than DRIFT. Switching language prepares the
// other file while the current one plays on, then hands over at the same
// position. No DOM building here: the page passes its <video> in.

export const DRIFT = 0.1; // s: a bigger gap between picture and sound is corrected
const SYNC_EVERY = 100; // ms
const SEEK_TIMEOUT = 8000; // ms

/** Resolve when the element knows its duration; reject on a media error. */
function loaded(media) {
  return new Promise((resolve, reject) => {
    if (media.readyState >= HTMLMediaElement.HAVE_METADATA) { resolve(); return; }
    const done = (ok) => () => {
      media.removeEventListener("loadedmetadata", onLoad);
      media.removeEventListener("error", onError);
      if (ok) resolve();
      else reject(new Error(media.error?.message || `media error ${media.error?.code ?? "?"}`));
    };
    const onLoad = done(true);
    const onError = done(false);
    media.addEventListener("loadedmetadata", onLoad);
    media.addEventListener("error", onError);
  });
}

/** Resolve when the element has its first frame (or failed). */
function frameShown(media) {
  return new Promise((resolve) => {
    if (media.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) { resolve(); return; }
    const done = () => {
      media.removeEventListener("loadeddata", done);
      media.removeEventListener("error", done);
      resolve();
    };
    media.addEventListener("loadeddata", done);
    media.addEventListener("error", done);
  });
}

/** Seek and resolve when the element has the frame (or gave up). */
function seekTo(media, seconds) {
  return new Promise((resolve) => {
    if (!media.seeking && Math.abs(media.currentTime - seconds) < 0.001) { resolve(); return; }
    let timer = 0;
    const done = () => {
      clearTimeout(timer);
      media.removeEventListener("seeked", done);
      media.removeEventListener("error", done);
      resolve();
    };
    timer = setTimeout(done, SEEK_TIMEOUT);
    media.addEventListener("seeked", done);
    media.addEventListener("error", done);
    media.currentTime = seconds;
  });
}

function discard(media) {
  media.pause();
  media.removeAttribute("src");
  media.load();
}

export class SyncedPlayer {
  /**
   * @param {{video: HTMLVideoElement, onchange?: () => void}} options
   *   onchange: called when playing, the language or the sources change.
   */
  constructor({ video, onchange }) {
    this.video = video;
    this.video.muted = true;
    /** @type {?HTMLAudioElement} the audible language */
    this.audio = null;
    /** @type {?string} the track key of this.audio */
    this.audioKey = null;
    this.hasVideo = false;
    this.videoStart = 0; // seconds: where the video's first frame is
    this.playing = false;
    this.rate = 1;
    this.volume = 1;
    this.position = 0; // where playback is when no element is loaded
    this.corrections = 0; // times the video was moved back onto the audio
    /** @type {{from: ?string, to: string, before: number, after: number}[]} */
    this.switches = [];
    this.onchange = onchange ?? (() => {});
    this._switch = 0;
    this._startTimer = 0;
    this._timer = setInterval(() => this._sync(), SYNC_EVERY);
  }

  /** Seconds on the recording's timeline. */
  get currentTime() {
    if (this.audio) return this.audio.currentTime;
    if (this.hasVideo) return this.video.currentTime;
    return this.position;
  }

  get ready() {
    return this.audio !== null;
  }

  /**
   * Load the picture (or none: audio only) and a language, at a position.
   * @param {{videoUrl: ?string, audioUrl: string, audioKey: string, at?: number}} sources
   */
  async load({ videoUrl, audioUrl, audioKey, at = this.position }) {
    this.pause();
    this._switch += 1;
    if (this.audio) discard(this.audio);
    this.audio = null;
    this.audioKey = null;
    this.hasVideo = Boolean(videoUrl);
    if (videoUrl) {
      this.video.src = videoUrl;
      this.video.playbackRate = this.rate;
      await loaded(this.video);
      await frameShown(this.video);
      // The picture may begin after the sound (the first camera frame came
      // later); the browser shows the first frame from 0 until then.
      this.videoStart = this.video.currentTime;
      await seekTo(this.video, Math.max(at, this.videoStart));
    } else {
      discard(this.video);
    }
    this.audio = await this._prepare(audioUrl, at);
    this.audioKey = audioKey;
    this.position = at;
    this.onchange();
  }

  /**
   * Switch the audible language at the current position. The current one
   * plays on while the other file loads. Resolves false if a later switch
   * (or load) replaced this one.
   */
  async switchAudio(url, key) {
    if (!this.audio) throw new Error("nothing loaded");
    const id = ++this._switch;
    const next = await this._prepare(url, this.currentTime);
    if (id !== this._switch) { discard(next); return false; }
    const old = this.audio;
    const from = this.audioKey;
    const before = old.currentTime;
    old.pause();
    await seekTo(next, before); // within what it has buffered already: quick
    this.audio = next;
    this.audioKey = key;
    discard(old);
    if (this.playing) {
      try {
        await next.play();
      } catch (err) {
        this._stopped();
        throw err;
      }
    }
    this.switches.push({ from, to: key, before, after: next.currentTime });
    this.onchange();
    return true;
  }

  async play() {
    if (!this.audio) return;
    const end = this.audio.duration;
    if (Number.isFinite(end) && this.audio.currentTime >= end - 0.05) await this.seek(0);
    this.playing = true;
    this.onchange();
    if (this.hasVideo && Math.abs(this.video.currentTime - this._videoTarget()) > DRIFT) {
      await seekTo(this.video, this._videoTarget());
    }
    try {
      await Promise.all([this.audio.play(), this.hasVideo ? this._playVideo() : null]);
    } catch (err) {
      this._stopped();
      throw err;
    }
  }

  pause() {
    this.playing = false;
    this.audio?.pause();
    if (this.hasVideo) this.video.pause();
    this.onchange();
  }

  /** Move both elements to a position (seconds). */
  async seek(seconds) {
    const at = Math.max(0, seconds);
    this.position = at;
    await Promise.all([
      this.audio ? seekTo(this.audio, at) : null,
      this.hasVideo ? seekTo(this.video, Math.max(at, this.videoStart)) : null,
    ]);
    this.onchange();
  }

  setRate(rate) {
    this.rate = rate;
    if (this.audio) this.audio.playbackRate = rate;
    this.video.playbackRate = rate;
  }

  setVolume(volume) {
    this.volume = volume;
    if (this.audio) this.audio.volume = volume;
  }

  destroy() {
    clearInterval(this._timer);
    this._switch += 1;
    if (this.audio) discard(this.audio);
    discard(this.video);
    this.audio = null;
    this.playing = false;
  }

  // --- internals ------------------------------------------------------------

  async _prepare(url, at) {
    const audio = document.createElement("audio");
    audio.preload = "auto";
    audio.playbackRate = this.rate;
    audio.volume = this.volume;
    audio.src = url;
    audio.addEventListener("ended", () => { if (audio === this.audio) this._stopped(); });
    // Sound is the clock: while it waits for data, the picture waits too.
    audio.addEventListener("waiting", () => {
      if (audio === this.audio && this.hasVideo) this.video.pause();
    });
    audio.addEventListener("playing", () => {
      if (audio === this.audio && this.playing && this.hasVideo) this._playVideo().catch(() => {});
    });
    try {
      await loaded(audio);
    } catch (err) {
      discard(audio);
      throw err;
    }
    await seekTo(audio, at);
    return audio;
  }

  /** Where the picture should be: with the sound, or on its first frame. */
  _videoTarget() {
    return Math.max(this.audio?.currentTime ?? 0, this.videoStart);
  }

  _playVideo() {
    const now = this.audio?.currentTime ?? 0;
    if (this.video.ended || now >= this.video.duration || now < this.videoStart - 0.02) {
      return Promise.resolve(); // no picture here: _sync starts it when there is
    }
    return this.video.play();
  }

  _stopped() {
    this.playing = false;
    this.position = this.currentTime;
    this.audio?.pause();
    if (this.hasVideo) this.video.pause();
    this.onchange();
  }

  _sync() {
    const audio = this.audio;
    if (!this.playing || !audio || !this.hasVideo) return;
    if (audio.seeking || this.video.seeking || audio.paused) return;
    if (audio.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) return; // sound is waiting
    const target = audio.currentTime;
    if (target >= this.video.duration - 0.05) return; // the picture ended first
    if (target < this.videoStart - 0.02) { // the picture has not begun
      if (!this.video.paused) this.video.pause();
      const wait = ((this.videoStart - target) / this.rate) * 1000;
      if (wait < SYNC_EVERY && !this._startTimer) {
        this._startTimer = setTimeout(() => {
          this._startTimer = 0;
          if (this.playing && this.audio === audio) this.video.play().catch(() => {});
        }, wait);
      }
      return;
    }
    if (Math.abs(this.video.currentTime - target) > DRIFT) {
      this.corrections += 1;
      this.video.currentTime = target;
    }
    if (this.video.paused) this._playVideo().catch(() => {});
  }
}
