// The chair's audio in the live panel: hear the floor, and speak. Nothing
// is asked of the browser until used: the audio output starts with the
// first listen, the microphone is requested when first switched on.

import { AudioMixer } from "./media.js";
import { $ } from "./ui.js";

export class LiveAudio {
  /** @param {import("./live-panel.js").LivePanel} panel */
  constructor(panel) {
    this.panel = panel;
    this.page = panel.page;
    this.micTrack = null;
    this.micOn = false;
    this.mixer = null;
    /** @type {Map<string, MediaStreamTrack>} audio received, by mid */
    this.tracks = new Map();
    this.slots = [];
    $("#live-mic").onclick = () => this.setMic(!this.micOn);
    $("#live-listen").onchange = (event) => this.setListening(event.target.checked);
  }

  /**
   * A new peer (each welcome): what the old one received is gone, an open
   * microphone goes on the new one's "mic" line and, since a reconnect is a
   * new join, is announced again.
   */
  attach(peer) {
    this.tracks.clear();
    peer.local.mic = this.micTrack;
    if (this.micOn) this.sendMedia();
  }

  onTrack(mid, track) {
    if (track.kind !== "audio") return;
    this.tracks.set(mid, track);
    if (this.mixer) {
      this.mixer.add(mid, track);
      this.applyGains();
    }
  }

  applySlots(slots) {
    this.slots = slots;
    this.applyGains();
  }

  /** The floor's lines at full level while listening; nothing else. */
  applyGains() {
    if (!this.mixer) return;
    const listening = $("#live-listen").checked;
    for (const slot of this.slots) {
      if (slot.kind === "audio" && slot.use !== "mic") {
        this.mixer.setGain(slot.mid, listening && slot.use === "floor" ? 1 : 0);
      }
    }
  }

  async setListening(on) {
    if (on && !this.mixer) {
      this.mixer = new AudioMixer();
      this.page.mixer = this.mixer;
      for (const [mid, track] of this.tracks) this.mixer.add(mid, track);
    }
    if (on) await this.mixer.resume();
    this.applyGains();
  }

  async setMic(on) {
    if (on && !this.micTrack) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        this.micTrack = stream.getAudioTracks()[0] ?? null;
        await this.panel.peer?.setLocal("mic", this.micTrack);
      } catch (err) {
        this.panel.showError({ message: err.message, code: "no_microphone" });
        return;
      }
    }
    this.micOn = on && !!this.micTrack;
    if (this.micTrack) this.micTrack.enabled = this.micOn;
    this.renderMic();
    this.sendMedia();
  }

  /** The server refused to open our microphone (too many open): it stays closed. */
  refused() {
    if (!this.micOn) return;
    this.micOn = false;
    if (this.micTrack) this.micTrack.enabled = false;
    this.renderMic();
  }

  sendMedia() {
    this.page.signalling?.send({ type: "media", mic: this.micOn, camera: false });
  }

  renderMic() {
    const button = $("#live-mic");
    button.setAttribute("aria-pressed", String(this.micOn));
    button.classList.toggle("off", !this.micOn);
  }
}
