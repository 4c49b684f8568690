// The recordings REST API for the playback page (docs/recordings.md). No DOM
// code. Every call sends the join token; file URLs carry it as ?token= for
// media elements and links, which cannot send a header.

export const POLL_EXPORT = 300; // ms between looks at a running export

export class ApiError extends Error {
  /** @param {number} status @param {?string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class RecordingsApi {
  /** @param {string} token a join token of the meeting */
  constructor(token) {
    this.token = token;
  }

  async call(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json",
                 ...(options.headers ?? {}) },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ApiError(response.status, body.error ?? null, body.message ?? response.statusText);
    }
    return body;
  }

  meeting(id) {
    return this.call(`/api/meetings/${encodeURIComponent(id)}`);
  }

  /** @returns {Promise<object[]>} the meeting's recordings, oldest first */
  async recordings(meeting) {
    const body = await this.call(`/api/meetings/${encodeURIComponent(meeting)}/recordings`);
    return body.recordings;
  }

  recording(id) {
    return this.call(`/api/recordings/${encodeURIComponent(id)}`);
  }

  /** A recording's file (its `url` from the API) as a URL with the token. */
  fileUrl(url) {
    return `${url}?token=${encodeURIComponent(this.token)}`;
  }

  /**
   * Export one track (the server joins a running job for the same track) and
   * follow it to the end.
   * @param {string} recording @param {string} track "floor", a language or "video"
   * @param {(progress: number) => void} onprogress 0..1
   * @param {() => boolean} [stale] true once the caller no longer wants it
   * @returns {Promise<string>} the exported file's URL, with the token
   */
  async exportTrack(recording, track, onprogress, stale = () => false) {
    let job = await this.call(`/api/recordings/${encodeURIComponent(recording)}/exports`,
                              { method: "POST", body: JSON.stringify({ track }) });
    while (job.state === "running") {
      onprogress(job.progress);
      await new Promise((resolve) => setTimeout(resolve, POLL_EXPORT));
      if (stale()) throw new Error("no longer wanted");
      job = await this.call(`/api/exports/${encodeURIComponent(job.id)}`);
    }
    if (job.state !== "done") throw new Error(job.error ?? job.state);
    onprogress(1);
    return this.fileUrl(job.url);
  }
}
