// The agenda REST API (docs/api.md) for the organiser page. No DOM code.
// Every write names the version it is based on; a stale one fails with 409.

/** An answer other than success, with the API's error body. */
export class ApiError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
    this.code = this.body.error ?? `http_${status}`;
    this.field = this.body.field ?? null;
    this.item = this.body.item ?? null;
    /** @type {{error: string, message: string, field: ?string, item: ?string}[]} */
    this.errors = this.body.errors?.length ? this.body.errors
      : [{ error: this.code, message: this.message, field: this.field, item: this.item }];
  }
  get stale() { return this.status === 409 && this.code === "stale_write"; }
}

export class AgendaApi {
  /** @param {{token: string, meeting: string, fetchImpl?: typeof fetch}} options */
  constructor({ token, meeting, fetchImpl }) {
    this.token = token;
    this.meeting = meeting;
    this.fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  get base() { return `/api/meetings/${encodeURIComponent(this.meeting)}`; }

  /**
   * @param {string} method @param {string} path under the meeting
   * @param {{body?: object, version?: ?number}} [options]
   */
  async call(method, path, { body, version } = {}) {
    const headers = { Authorization: `Bearer ${this.token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (version !== undefined && version !== null) headers["If-Match"] = `"${version}"`;
    const response = await this.fetch(this.base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  getMeeting() { return this.call("GET", ""); }
  coverage() { return this.call("GET", "/coverage"); }
  patchMeeting(patch, version) { return this.call("PATCH", "", { body: patch, version }); }

  putVenue(id, venue, version) {
    return this.call("PUT", `/venues/${encodeURIComponent(id)}`, { body: venue, version });
  }
  deleteVenue(id, version) {
    return this.call("DELETE", `/venues/${encodeURIComponent(id)}`, { version });
  }
  putBooth(id, booth, version) {
    return this.call("PUT", `/booths/${encodeURIComponent(id)}`, { body: booth, version });
  }
  deleteBooth(id, version) {
    return this.call("DELETE", `/booths/${encodeURIComponent(id)}`, { version });
  }

  addItem(item) { return this.call("POST", "/items", { body: item }); }
  /** @param {string} id @param {object} patch @param {number} version the item's */
  patchItem(id, patch, version) {
    return this.call("PATCH", `/items/${encodeURIComponent(id)}`, { body: patch, version });
  }
  deleteItem(id, version) {
    return this.call("DELETE", `/items/${encodeURIComponent(id)}`, { version });
  }
  /** @param {string[]} order every item id @param {number} version the meeting's */
  reorder(order, version) {
    return this.call("POST", "/items:reorder", { body: { order }, version });
  }

  /** @param {{role: string, name?: string, booth?: string, venue?: string,
   *           ttl?: number, shared?: boolean}} request */
  link(request) { return this.call("POST", "/links", { body: request }); }
}
