// Small DOM helpers shared by the pages.

/** @param {string} selector @returns {any} */
export const $ = (selector) => document.querySelector(selector);

/**
 * Whether a key press belongs to the control that has the focus (typing,
 * choosing from a list) rather than to the page's shortcuts. A slider takes
 * only arrows and Home/End, so letters stay shortcuts there.
 */
export function typingIn(target) {
  return target instanceof HTMLInputElement && target.type !== "range"
    || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement
    || target instanceof HTMLElement && target.isContentEditable;
}

/** A key pressed with Ctrl, Alt or Meta belongs to the browser or the system (Cmd+M minimises). */
export function withModifier(event) {
  return event.ctrlKey || event.metaKey || event.altKey;
}

/**
 * Create an element: el("button", {class: "x", onclick: f}, "text", child)
 * @param {string} tag @param {Record<string, any>} [attrs] @param {...(Node|string)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") node[key] = value;
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

/** HH:MM:SS in the viewer's zone. */
export function clockText(date, timeZone) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit",
                                       hour12: false, ...(timeZone ? { timeZone } : {}) });
}

/** HH:MM of an instant in a zone. */
export function zoneTime(date, timeZone) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false,
                                       timeZone });
}

/** The options of a language select: the floor first, then each language in its own name. */
export function languageSelect(languages, floorLabel, selected) {
  const fragment = document.createDocumentFragment();
  fragment.append(el("option", { value: "floor", selected: selected === "floor" }, floorLabel));
  for (const lang of languages) {
    fragment.append(el("option", { value: lang.code, selected: selected === lang.code,
                                   lang: lang.code }, lang.name));
  }
  return fragment;
}

/** m:ss or h:mm:ss for a number of seconds (negative: overtime, with a sign). */
export function duration(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h ? `${sign}${h}:${String(m).padStart(2, "0")}:${r}` : `${sign}${m}:${r}`;
}
