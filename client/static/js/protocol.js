// silkhall signalling protocol client. No DOM code: usable from any page,
// a worker or a test. The message schemas are specified in docs/protocol.md.

export const PROTOCOL_VERSION = 1;

/**
 * @typedef {{id: string, name: string, role: string, venue: ?string, booth: ?string,
 *            mic: boolean, camera: boolean, on_floor: boolean, hand_raised: boolean}} ParticipantInfo
 * @typedef {{mid: string, kind: "audio"|"video", use: string, participant: ?string,
 *            channel: ?string}} Slot
 * @typedef {{type: string, [key: string]: any}} ServerMessage
 */

/** A small event emitter (no DOM dependency). */
export class Emitter {
  constructor() {
    /** @type {Map<string, Set<Function>>} */
    this._handlers = new Map();
  }
  /** @param {string} type @param {Function} handler */
  on(type, handler) {
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(handler);
    return () => this._handlers.get(type)?.delete(handler);
  }
  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    for (const handler of this._handlers.get(type) ?? []) {
      try { handler(detail); } catch (err) { console.error(err); }
    }
    for (const handler of this._handlers.get("*") ?? []) {
      try { handler({ type, detail }); } catch (err) { console.error(err); }
    }
  }
}

/** Connection states the UI shows. */
export const State = Object.freeze({
  CONNECTING: "connecting",
  JOINED: "joined",
  RECONNECTING: "reconnecting",
  CLOSED: "closed",
  FAILED: "failed",
});

// Close codes after which reconnecting cannot help (docs/protocol.md, "Closing").
const FINAL_CLOSE_CODES = new Set([1008, 4001, 4009, 4010]);
// The meeting is on another node of the cluster: connect there at once.
const REDIRECT_CLOSE_CODE = 4307;

/**
 * One signalling connection with automatic reconnect.
 * Emits: "state" (State), "message" (ServerMessage), and each message's type.
 */
export class Signalling extends Emitter {
  /**
   * @param {{url: string, token: string, meeting: string,
   *          WebSocketImpl?: typeof WebSocket, storage?: Storage}} options
   */
  constructor({ url, token, meeting, WebSocketImpl, storage }) {
    super();
    this.url = url;
    // Where we came in: after a redirect, a lost connection starts here
    // again, because the node we were sent to may be the one that died.
    this.entryUrl = url;
    this.redirectUrl = null;
    this.token = token;
    this.meeting = meeting;
    this.WebSocketImpl = WebSocketImpl ?? globalThis.WebSocket;
    this.storage = storage ?? globalThis.sessionStorage;
    this.state = State.CONNECTING;
    /** @type {?WebSocket} */
    this.ws = null;
    this.attempt = 0;
    this.closedByUs = false;
    /** @type {?ParticipantInfo} */
    this.you = null;
    this._pingTimer = null;
    this._resumeKey = `silkhall.resume.${meeting}.${token.slice(-16)}`;
  }

  connect() {
    this.closedByUs = false;
    const target = this.redirectUrl ?? this.entryUrl;
    this.redirectUrl = null;
    this.url = target;
    const ws = new this.WebSocketImpl(target);
    this.ws = ws;
    ws.onopen = () => {
      const resume = this.storage?.getItem(this._resumeKey) ?? undefined;
      this.send({ type: "hello", protocol: PROTOCOL_VERSION, token: this.token,
                  meeting: this.meeting, ...(resume ? { resume } : {}) });
    };
    ws.onmessage = (event) => this._receive(event.data);
    ws.onclose = (event) => this._closed(event.code, event.reason);
    ws.onerror = () => {};
  }

  /** @param {{type: string, [key: string]: any}} message */
  send(message) {
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  leave() {
    this.closedByUs = true;
    this.send({ type: "leave" });
    this._setState(State.CLOSED);
    setTimeout(() => this.ws?.close(1000), 200);
  }

  /** @param {string} data */
  _receive(data) {
    /** @type {ServerMessage} */
    let message;
    try { message = JSON.parse(data); } catch { return; }
    if (message.type === "redirect") {
      this.redirectUrl = message.url;
    }
    if (message.type === "welcome") {
      this.attempt = 0;
      this.you = message.you;
      if (message.resume) this.storage?.setItem(this._resumeKey, message.resume);
      this._setState(State.JOINED);
      this._startPing();
    }
    this.emit("message", message);
    this.emit(message.type, message);
  }

  _startPing() {
    clearInterval(this._pingTimer);
    let id = 0;
    this._pingTimer = setInterval(() => this.send({ type: "ping", id: ++id }), 5000);
  }

  /** @param {number} code @param {string} reason */
  _closed(code, reason) {
    clearInterval(this._pingTimer);
    if (this.closedByUs) return;
    if (code === REDIRECT_CLOSE_CODE && this.redirectUrl) {
      this.connect();
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this._setState(State.FAILED, { code, reason });
      return;
    }
    this._setState(State.RECONNECTING, { code, reason });
    const delay = Math.min(8000, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    setTimeout(() => { if (!this.closedByUs) this.connect(); }, delay);
  }

  /** @param {string} state @param {any} [info] */
  _setState(state, info) {
    this.state = state;
    this.emit("state", { state, ...(info ?? {}) });
  }
}

/** The join token and meeting id from a join link (/page/MEETING#token=...). */
export function joinParams(location) {
  const parts = location.pathname.split("/").filter(Boolean);
  const meeting = decodeURIComponent(parts[1] ?? "");
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(location.search);
  const token = hash.get("token") ?? query.get("token") ?? "";
  return { meeting, token };
}

/** The signalling URL of the server that served this page. */
export function signallingUrl(location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}
