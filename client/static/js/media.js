// Media helpers: local devices, the server-offered peer connection, and the
// audio graph that plays (and measures) what the server sends.

/**
 * Ask for a microphone and (optionally) a camera.
 * @param {{audioId?: string, videoId?: string, video?: boolean}} choice
 */
export async function openLocalMedia(choice = {}) {
  const audio = choice.audioId ? { deviceId: { exact: choice.audioId } } : true;
  let video = false;
  if (choice.video !== false) {
    video = choice.videoId
      ? { deviceId: { exact: choice.videoId }, width: 640, height: 360 }
      : { width: 640, height: 360 };
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio, video });
  } catch (err) {
    if (video) return await navigator.mediaDevices.getUserMedia({ audio, video: false });
    throw err;
  }
}

/** @returns {Promise<{audio: MediaDeviceInfo[], video: MediaDeviceInfo[]}>} */
export async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    audio: devices.filter((d) => d.kind === "audioinput"),
    video: devices.filter((d) => d.kind === "videoinput"),
  };
}

/**
 * The peer connection to the server. The server makes every offer; we
 * answer, sending our microphone and camera on the lines it marks "mic" and
 * "camera", and receive on all the others.
 */
export class MeetingPeer {
  /**
   * @param {{iceServers: RTCIceServer[], send: (m: object) => void,
   *          onTrack: (mid: string, track: MediaStreamTrack) => void,
   *          onState?: (state: string) => void}} options
   */
  constructor({ iceServers, send, onTrack, onState }) {
    this.send = send;
    this.onTrack = onTrack;
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
    /** @type {{mic: ?MediaStreamTrack, camera: ?MediaStreamTrack}} */
    this.local = { mic: null, camera: null };
    /** @type {import("./protocol.js").Slot[]} */
    this.slots = [];
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate) {
        this.send({ type: "candidate", candidate: candidate.candidate,
                    sdp_mid: candidate.sdpMid, sdp_mline_index: candidate.sdpMLineIndex });
      }
    };
    this.pc.ontrack = (event) => this.onTrack(event.transceiver.mid, event.track);
    this.pc.onconnectionstatechange = () => onState?.(this.pc.connectionState);
    this._queue = Promise.resolve();
  }

  /** @param {string} sdp @param {import("./protocol.js").Slot[]} slots */
  handleOffer(sdp, slots) {
    // Offers are handled one at a time, in order.
    this._queue = this._queue.then(() => this._answer(sdp, slots)).catch((err) => {
      console.error("answering the offer failed", err);
    });
    return this._queue;
  }

  async _answer(sdp, slots) {
    this.slots = slots;
    await this.pc.setRemoteDescription({ type: "offer", sdp });
    for (const slot of slots) {
      if (slot.use !== "mic" && slot.use !== "camera") continue;
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === slot.mid);
      if (!transceiver) continue;
      transceiver.direction = "sendonly";
      await transceiver.sender.replaceTrack(this.local[slot.use] ?? null);
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.send({ type: "answer", sdp: this.pc.localDescription.sdp });
  }

  /** Replace what we send as "mic" or "camera" (no renegotiation). */
  async setLocal(use, track) {
    this.local[use] = track;
    const slot = this.slots.find((s) => s.use === use);
    const transceiver = slot && this.pc.getTransceivers().find((t) => t.mid === slot.mid);
    if (transceiver) await transceiver.sender.replaceTrack(track ?? null);
  }

  /** Inbound video statistics per mid, e.g. frames decoded. */
  async videoStats() {
    const out = {};
    const report = await this.pc.getStats();
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") {
        out[s.mid ?? s.trackIdentifier] = { framesDecoded: s.framesDecoded ?? 0,
                                             bytes: s.bytesReceived ?? 0 };
      }
    });
    return out;
  }

  close() { this.pc.close(); }
}

/**
 * Plays received audio through Web Audio, one gain per line, and measures
 * the sum (level meters and, in tests, the spectrum).
 */
export class AudioMixer {
  constructor() {
    this.ctx = new AudioContext({ sampleRate: 48000 });
    this.master = this.ctx.createGain();
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 32768;
    this.analyser.smoothingTimeConstant = 0;
    this.master.connect(this.analyser);
    this.master.connect(this.ctx.destination);
    /** @type {Map<string, {gain: GainNode, analyser: AnalyserNode, element: HTMLAudioElement}>} */
    this.lines = new Map();
  }

  resume() { return this.ctx.resume(); }

  /** @param {string} mid @param {MediaStreamTrack} track */
  add(mid, track) {
    const stream = new MediaStream([track]);
    // Chrome only pulls remote WebRTC audio into Web Audio while a media
    // element plays it too; the element itself stays muted.
    const element = new Audio();
    element.muted = true;
    element.srcObject = stream;
    element.play().catch(() => {});
    const source = this.ctx.createMediaStreamSource(stream);
    const gain = this.ctx.createGain();
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(gain);
    gain.connect(this.master);
    source.connect(analyser);
    this.lines.set(mid, { gain, analyser, element });
  }

  /** @param {string} mid @param {number} value 0..1 */
  setGain(mid, value) {
    const line = this.lines.get(mid);
    if (line) line.gain.gain.setTargetAtTime(value, this.ctx.currentTime, 0.05);
  }

  /** RMS level (0..1) of one line before its gain. */
  level(mid) {
    const line = this.lines.get(mid);
    return line ? rmsOf(line.analyser) : 0;
  }

  /** RMS level of what is played. */
  outputLevel() { return rmsOf(this.analyser); }

  /** Power spectrum in dB of the output, with its bin width in Hz. */
  spectrum() {
    const data = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(data);
    return { data: Array.from(data), binHz: this.ctx.sampleRate / this.analyser.fftSize };
  }

  /** Frequency of the strongest component of the output. */
  dominantFrequency() {
    const { data, binHz } = this.spectrum();
    let best = 1;
    for (let i = 2; i < data.length; i++) if (data[i] > data[best]) best = i;
    return data[best] < -100 ? 0 : best * binHz;
  }

  /** Level in dB of the output near a frequency (±4 bins). */
  toneLevel(frequency) {
    const { data, binHz } = this.spectrum();
    const center = Math.round(frequency / binHz);
    let power = 0;
    for (let i = center - 4; i <= center + 4; i++) power += 10 ** (data[i] / 10);
    return 10 * Math.log10(power);
  }
}

/** @param {AnalyserNode} analyser */
export function rmsOf(analyser) {
  const data = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(data);
  let sum = 0;
  for (const v of data) sum += v * v;
  return Math.sqrt(sum / data.length);
}

/** A level meter for a local track (microphone input). */
export function trackMeter(ctx, track) {
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  source.connect(analyser);
  return () => rmsOf(analyser);
}

/** Level (0..1 RMS) to a 0..100 meter position on a dB scale (-60..0 dBFS). */
export function meterPercent(rms) {
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
}
