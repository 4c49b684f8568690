// The organiser page's venue feeds: each venue of the meeting, connected or
// not, with its feed's input level, packet loss and round-trip time (the
// server's "venue_status", every second), whether its feed is on the floor,
// the language its PA plays, and a button to take the feed off the floor
// ("mute_feed"). Media played into the meeting is a feed too and is listed
// after the venues.

import { el } from "./ui.js";
import { languageName } from "./languages.js";

const STALE_AFTER = 3500; // ms without a status: the numbers are old
const SILENT_DBFS = -90;
const METER_FLOOR = -60; // dBFS at an empty meter
const PENDING_FOR = 4000; // ms a clicked mute button waits for the server

/** Packet loss: warn from 1 %, bad from 5 %. RTT: warn from 250 ms, bad from 600 ms. */
function grade(value, warn, bad) {
  if (value === null || value === undefined) return "";
  return value >= bad ? "bad" : value >= warn ? "warn" : "ok";
}

export class VenuePanel {
  /** @param {HTMLElement} root the tab panel @param {any} ctx the organiser page's context */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.page = ctx.page;
    Object.assign(this.page, { venueStatus: null, venueUpdates: 0 });
    this.receivedAt = 0;
    /** @type {Map<string, {muted: boolean, until: number}>} mute clicks not yet confirmed */
    this.pending = new Map();
    this.heading = el("h3", { id: "feeds-heading" });
    this.hint = el("p", { class: "hint" });
    this.stale = el("p", { id: "feeds-stale", class: "hint warn-text", role: "status" });
    this.head = el("tr");
    this.body = el("tbody", { id: "feeds" });
    this.table = el("table", { class: "places-table feeds-table", "aria-labelledby": "feeds-heading" },
      el("thead", {}, this.head), this.body);
    this.error = el("p", { id: "feeds-error", class: "error", role: "alert" });
    root.append(this.heading, this.hint, this.stale, this.error, this.table);
    setInterval(() => this.renderStale(), 1000);
  }

  get t() { return this.ctx.t; }

  /** @param {import("./protocol.js").Signalling} signalling */
  connect(signalling) {
    signalling.on("venue_status", (m) => {
      this.page.venueStatus = m;
      this.page.venueUpdates += 1;
      this.receivedAt = Date.now();
      this.renderRows();
    });
    signalling.on("participant_updated", (m) => {
      // A mute confirmed before the next status: show it now.
      const status = this.page.venueStatus?.venues.find((v) => v.participant === m.participant.id);
      if (!status) return;
      Object.assign(status, { feed_muted: m.participant.feed_muted, on_floor: m.participant.on_floor });
      this.renderRows();
    });
    signalling.on("error", (m) => {
      if (m.ref !== "mute_feed") return;
      this.pending.clear();
      this.error.textContent = this.t("feeds.refused", { message: m.message });
      this.renderRows();
    });
    signalling.on("state", () => this.renderStale());
  }

  render() {
    const t = this.t;
    this.heading.textContent = t("feeds.heading");
    this.hint.textContent = t("feeds.hint");
    this.head.replaceChildren(...["venue", "connection", "level", "loss", "rtt", "floor", "pa", "action"]
      .map((c) => el("th", { scope: "col" }, t(`feeds.col_${c}`))));
    this.body.replaceChildren(); // rows in the UI language again
    this.renderRows();
  }

  /** Each venue of the meeting, then feeds that belong to none (played media). */
  entries() {
    const venues = this.page.doc?.venues ?? this.page.meeting?.venues ?? [];
    const feeds = this.page.venueStatus?.venues ?? [];
    const rows = [];
    for (const venue of venues) {
      const connected = feeds.filter((f) => f.venue === venue.id);
      if (!connected.length) rows.push({ key: `venue:${venue.id}`, venue, feed: null });
      for (const feed of connected) rows.push({ key: feed.participant, venue, feed });
    }
    for (const feed of feeds) {
      if (!venues.some((v) => v.id === feed.venue)) rows.push({ key: feed.participant, venue: null, feed });
    }
    return rows;
  }

  renderRows() {
    const existing = new Map([...this.body.children].map((row) => [row.dataset.key, row]));
    const focused = this.body.contains(document.activeElement) ? document.activeElement : null;
    const rows = this.entries().map((entry, index) => {
      let row = existing.get(entry.key);
      if (!row) row = this.createRow(entry);
      this.updateRow(row, entry);
      if (this.body.children[index] !== row) this.body.insertBefore(row, this.body.children[index] ?? null);
      return row;
    });
    for (const row of [...this.body.children]) if (!rows.includes(row)) row.remove();
    if (focused && !focused.isConnected) this.heading.focus?.();
    this.renderStale();
  }

  createRow(entry) {
    const cell = (name) => el("td", { class: name });
    const row = el("tr", { dataset: { key: entry.key } },
      el("th", { scope: "row", class: "feed-venue" }), cell("feed-connection"),
      el("td", { class: "feed-level" },
        el("div", { class: "meter", role: "meter", "aria-valuemin": String(METER_FLOOR),
                    "aria-valuemax": "0" }, el("div", { class: "meter-fill" })),
        el("span", { class: "level-text" })),
      cell("feed-loss"), cell("feed-rtt"), cell("feed-floor"), cell("feed-pa"),
      el("td", { class: "actions" }));
    if (entry.feed) {
      const button = el("button", { type: "button", class: "small mute-feed" });
      button.onclick = () => this.toggleMute(entry.key);
      row.lastChild.append(button);
    }
    return row;
  }

  updateRow(row, { venue, feed }) {
    const t = this.t;
    const $ = (selector) => row.querySelector(selector);
    const name = this.feedName(venue, feed);
    $(".feed-venue").replaceChildren(el("span", { class: "feed-city" }, name.main),
      name.detail ? el("span", { class: "feed-detail" }, name.detail) : "");
    row.dataset.venue = venue?.id ?? "";
    row.dataset.participant = feed?.participant ?? "";
    row.classList.toggle("not-connected", !feed);
    const pa = feed?.listening ?? venue?.pa_language ?? null;
    $(".feed-pa").textContent = !pa ? "—" : pa === "floor" ? t("feeds.pa_floor")
      : `${languageName(pa)} (${pa})`;
    if (!feed) {
      $(".feed-connection").textContent = t("feeds.not_connected");
      $(".feed-connection").dataset.state = "absent";
      for (const cell of [".feed-loss", ".feed-rtt", ".feed-floor"]) $(cell).textContent = "—";
      this.renderLevel(row, null);
      return;
    }
    // A played file has no peer connection: it is there while it plays.
    const media = feed.transport === "media" ? "connected"
      : ["new", "connecting", "none"].includes(feed.media) ? "connecting"
        : feed.media === "connected" ? "connected" : "lost";
    const state = feed.transport === "media" ? t("feeds.media_playing") : t(`feeds.media_${media}`);
    $(".feed-connection").textContent = `${state} · ${t(`feeds.transport_${feed.transport}`)}`;
    $(".feed-connection").dataset.state = media;
    this.renderLevel(row, feed.level_dbfs);
    const loss = $(".feed-loss");
    loss.textContent = feed.packet_loss === null ? "—" : `${(feed.packet_loss * 100).toFixed(1)} %`;
    loss.dataset.grade = grade(feed.packet_loss, 0.01, 0.05);
    const rtt = $(".feed-rtt");
    rtt.textContent = feed.rtt_ms === null ? "—" : `${Math.round(feed.rtt_ms)} ms`;
    rtt.dataset.grade = grade(feed.rtt_ms, 250, 600);

    const pending = this.pending.get(feed.participant);
    if (pending && (pending.muted === feed.feed_muted || Date.now() > pending.until)) {
      this.pending.delete(feed.participant);
    }
    const floor = $(".feed-floor");
    floor.textContent = t(feed.on_floor ? "feeds.on_floor" : feed.feed_muted ? "feeds.muted"
      : "feeds.off_floor");
    floor.dataset.state = feed.on_floor ? "on" : feed.feed_muted ? "muted" : "off";
    const button = $(".mute-feed");
    const waiting = this.pending.has(feed.participant);
    button.textContent = t(feed.feed_muted ? "feeds.unmute" : "feeds.mute");
    button.setAttribute("aria-label", t(feed.feed_muted ? "feeds.unmute_label" : "feeds.mute_label",
                                        { name: name.main }));
    button.classList.toggle("danger", !feed.feed_muted);
    button.disabled = waiting;
  }

  feedName(venue, feed) {
    if (!venue) {
      return feed?.transport === "media"
        ? { main: feed.name, detail: this.t("feeds.played_media") }
        : { main: feed?.name ?? "", detail: this.t("feeds.unknown_venue") };
    }
    const detail = [venue.name !== venue.city ? venue.name : "",
                    feed && ![venue.name, venue.city].includes(feed.name) ? feed.name : ""]
      .filter(Boolean).join(" · ");
    return { main: venue.city, detail };
  }

  /** The meter and its text: the feed's level in dBFS, or nothing. */
  renderLevel(row, dbfs) {
    const meter = row.querySelector(".meter");
    const text = row.querySelector(".level-text");
    const fill = row.querySelector(".meter-fill");
    if (dbfs === null) {
      fill.style.width = "0";
      meter.removeAttribute("aria-valuenow");
      meter.setAttribute("aria-valuetext", "—");
      text.textContent = "—";
      row.dataset.level = "";
      return;
    }
    const percent = Math.max(0, Math.min(100, ((dbfs - METER_FLOOR) / -METER_FLOOR) * 100));
    fill.style.width = `${percent}%`;
    const label = dbfs <= SILENT_DBFS ? this.t("feeds.silent")
      : this.t("feeds.dbfs", { level: dbfs.toFixed(0).replace("-", "−") });
    meter.setAttribute("aria-valuenow", String(Math.max(METER_FLOOR, Math.min(0, dbfs))));
    meter.setAttribute("aria-valuetext", label);
    meter.setAttribute("aria-label", this.t("feeds.col_level"));
    text.textContent = label;
    row.dataset.level = String(dbfs);
  }

  toggleMute(participant) {
    const feed = this.page.venueStatus?.venues.find((v) => v.participant === participant);
    if (!feed) return;
    const muted = !feed.feed_muted;
    this.error.textContent = "";
    if (!this.page.signalling?.send({ type: "mute_feed", participant, muted })) {
      this.error.textContent = this.t("feeds.refused", { message: this.t("live.offline") });
      return;
    }
    this.pending.set(participant, { muted, until: Date.now() + PENDING_FOR });
    this.renderRows();
    setTimeout(() => this.renderRows(), PENDING_FOR + 100);
  }

  /** Numbers that stopped coming (not connected, server busy) are marked as old. */
  renderStale() {
    const joined = this.page.signalling?.state === "joined";
    const old = !joined || (this.receivedAt && Date.now() - this.receivedAt > STALE_AFTER);
    const stale = !!(old && this.page.venueStatus);
    this.table.classList.toggle("stale", stale);
    this.stale.textContent = stale ? this.t("feeds.stale") : "";
  }
}
