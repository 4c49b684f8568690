// Form helpers for the organiser page: labelled controls with room for the
// API's field errors next to them.

import { el } from "./ui.js";

let counter = 0;

/** A fresh element id. */
export function uid(prefix = "f") {
  counter += 1;
  return `${prefix}-${counter}`;
}

function describe(control, ...ids) {
  control.setAttribute("aria-describedby", ids.filter(Boolean).join(" "));
}

/**
 * A label, a control and its error line. ``path`` is the control's field in
 * the API's error paths, relative to the edited object (``duration``,
 * ``title.en``, ``speakers[0].language``).
 */
export function field(label, control, path, hint) {
  control.id ||= uid("f");
  if (path) control.dataset.field = path;
  const hintId = hint ? `${control.id}-hint` : null;
  const errorId = `${control.id}-error`;
  describe(control, hintId, errorId);
  return el("div", { class: "field" },
    el("label", { for: control.id }, label),
    control,
    hint ? el("span", { class: "field-hint", id: hintId }, hint) : "",
    el("span", { class: "field-error", id: errorId }));
}

/** A checkbox with its label after it. */
export function check(label, input, path) {
  input.type = "checkbox";
  input.id ||= uid("c");
  if (path) input.dataset.field = path;
  const errorId = `${input.id}-error`;
  describe(input, errorId);
  return el("div", { class: "field check" },
    input, el("label", { for: input.id }, label),
    el("span", { class: "field-error", id: errorId }));
}

/** <select> options from [value, text] pairs. */
export function options(pairs, selected) {
  return pairs.map(([value, text]) => el("option", { value, selected: value === selected }, text));
}

/** The form-level error line (role=alert) every form ends with. */
export function formError() {
  return el("p", { class: "form-error", role: "alert", tabindex: "-1" });
}

export function clearErrors(form) {
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
  for (const line of form.querySelectorAll(".field-error, .form-error")) line.textContent = "";
}

// "items[3].speakers[1].language" → "speakers[1].language"
const OWNER = /^(items|venues|booths)\[\d+\]\.?/;

function controlFor(form, path) {
  if (!path) return null;
  const rest = path.replace(OWNER, "");
  const controls = [...form.querySelectorAll("[data-field]")];
  const exact = controls.find((c) => c.dataset.field === rest);
  if (exact) return exact;
  // "languages[1]" → the "languages" control; "title.en" → "title".
  return controls
    .filter((c) => rest.startsWith(`${c.dataset.field}.`) || rest.startsWith(`${c.dataset.field}[`))
    .sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0] ?? null;
}

/**
 * Show an ApiError's problems next to their fields; those that name no
 * field of this form (or another agenda item) go to the form's error line.
 * @param {HTMLFormElement} form @param {import("./agenda-api.js").ApiError} error
 * @param {{item?: string}} [options] the agenda item the form edits
 */
export function showErrors(form, error, { item } = {}) {
  clearErrors(form);
  const general = [];
  let first = null;
  for (const problem of error.errors) {
    const other = problem.item && item && problem.item !== item;
    const control = other ? null : controlFor(form, problem.field);
    if (!control) {
      general.push(problem.message);
      continue;
    }
    control.setAttribute("aria-invalid", "true");
    const line = form.querySelector(`[id="${control.id}-error"]`);
    if (line) line.textContent = line.textContent ? `${line.textContent} ${problem.message}` : problem.message;
    first ??= control;
  }
  const box = form.querySelector(".form-error");
  if (box) box.textContent = general.join(" ");
  (first ?? box)?.focus();
}

/** Show one message on the form's error line. */
export function formMessage(form, text) {
  clearErrors(form);
  const box = form.querySelector(".form-error");
  if (box) {
    box.textContent = text;
    box.focus();
  }
}
