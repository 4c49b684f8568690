// Time on the agenda: wall clocks in time zones, the server's clock, and how
// far the current item has run. No DOM code.

import { duration } from "./ui.js";

const formatters = new Map();

function formatter(timeZone) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Year, month, day, hour, minute, second of an instant on a zone's wall clock. */
export function wallParts(date, timeZone) {
  const parts = {};
  for (const { type, value } of formatter(timeZone).formatToParts(date)) parts[type] = value;
  return parts;
}

/** How far a zone's wall clock is ahead of UTC at an instant, in ms. */
export function zoneOffset(date, timeZone) {
  const p = wallParts(date, timeZone);
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return wall - Math.floor(date.getTime() / 1000) * 1000;
}

/** The value of an <input type="datetime-local"> for an instant in a zone. */
export function toWallInput(date, timeZone) {
  const p = wallParts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}T${String(+p.hour % 24).padStart(2, "0")}:${p.minute}`;
}

/** The instant a zone's wall clock shows "YYYY-MM-DDTHH:MM", or null. */
export function fromWallInput(text, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text ?? "");
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  let utc = wall - zoneOffset(new Date(wall), timeZone);
  utc = wall - zoneOffset(new Date(utc), timeZone); // across a DST change
  return new Date(utc);
}

/** An instant as the API wants it: ISO 8601 in UTC, whole seconds. */
export function isoUtc(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** HH:MM of an instant in a zone (24-hour). */
export function hm(date, timeZone) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                       ...(timeZone ? { timeZone } : {}) });
}

/** The viewer's own IANA zone. */
export function viewerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** "Europe/Paris" → "Paris", "America/Sao_Paulo" → "Sao Paulo". */
export function zoneCity(timeZone) {
  return (timeZone.split("/").pop() ?? timeZone).replaceAll("_", " ");
}

/**
 * Where to show times: the meeting's zone, then each venue's zone not yet
 * listed, named by the venue's city.
 * @returns {{zone: string, label: string}[]}
 */
export function zonePlaces(meetingZone, venues) {
  const places = [{ zone: meetingZone, label: zoneCity(meetingZone) }];
  for (const venue of venues ?? []) {
    if (!places.some((p) => p.zone === venue.timezone)) {
      places.push({ zone: venue.timezone, label: venue.city });
    }
  }
  return places;
}

/**
 * An instant on each place's clock, leaving out places whose clock shows the
 * same time as one already listed (Como beside Paris):
 * [{text: "14:20", label: "Paris", zone}, {text: "21:20", label: "Hangzhou"}, ...]
 */
export function localTimes(date, places) {
  const seen = new Set();
  const out = [];
  for (const place of places) {
    const text = hm(date, place.zone);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ ...place, text });
  }
  return out;
}

/** The server's clock, from the server_time of its messages. */
export class ServerClock {
  constructor() { this.offset = 0; }
  /** @param {number|undefined} serverTime Unix seconds */
  sync(serverTime) {
    if (typeof serverTime === "number") this.offset = serverTime - Date.now() / 1000;
  }
  /** Unix seconds now, on the server's clock. */
  now() { return Date.now() / 1000 + this.offset; }
}

/**
 * How far an item has run, if it is the current one of a started agenda.
 * @returns {?{elapsed: number, remaining: number, overtime: boolean}}
 */
export function itemProgress(item, state, now) {
  if (!item || !state?.started || state.current !== item.id || state.item_started_at == null) {
    return null;
  }
  const elapsed = Math.max(0, now - state.item_started_at);
  const remaining = item.duration - elapsed;
  return { elapsed, remaining, overtime: remaining < 0 };
}

/** "4:05" left, or "+2:13" over time. */
export function remainingText(remaining) {
  return remaining < 0 ? `+${duration(-remaining)}` : duration(remaining);
}

/** Whole minutes (or a decimal) of a duration in seconds. */
export function minutes(seconds) {
  const m = seconds / 60;
  return Number.isInteger(m) ? m : Math.round(m * 100) / 100;
}
