// UI strings from one table per language (client/static/i18n/<lang>.json).
// Adding a language is adding a JSON file and listing it in i18n/index.json.

const STORAGE_KEY = "silkhall.ui-language";

export class Strings {
  /** @param {string} lang @param {Record<string,string>} table @param {Record<string,string>} fallback */
  constructor(lang, table, fallback, available) {
    this.lang = lang;
    this.table = table;
    this.fallback = fallback;
    /** @type {{code: string, name: string}[]} */
    this.available = available;
  }

  /** @param {string} key @param {Record<string, string|number>} [vars] */
  t(key, vars) {
    let text = this.table[key] ?? this.fallback[key] ?? key;
    for (const [name, value] of Object.entries(vars ?? {})) {
      text = text.replaceAll(`{${name}}`, String(value));
    }
    return text;
  }

  /** Fill every element with data-i18n (text) or data-i18n-label (aria-label/title). */
  apply(root) {
    root.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = this.t(el.dataset.i18n);
    });
    root.querySelectorAll("[data-i18n-label]").forEach((el) => {
      const text = this.t(el.dataset.i18nLabel);
      el.setAttribute("aria-label", text);
      el.setAttribute("title", text);
    });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.setAttribute("placeholder", this.t(el.dataset.i18nPlaceholder));
    });
    document.documentElement.lang = this.lang;
  }
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

/** Pick the stored choice, else the browser's language, else English. */
export async function loadStrings(requested) {
  const index = await fetchJson("/static/i18n/index.json");
  const codes = index.languages.map((l) => l.code);
  const wanted = [requested, localStorage.getItem(STORAGE_KEY),
                  ...(navigator.languages ?? [navigator.language])]
    .filter(Boolean)
    .map((l) => String(l).toLowerCase().split("-")[0]);
  const lang = wanted.find((l) => codes.includes(l)) ?? "en";
  const fallback = await fetchJson("/static/i18n/en.json");
  const table = lang === "en" ? fallback : await fetchJson(`/static/i18n/${lang}.json`);
  return new Strings(lang, table, fallback, index.languages);
}

export function rememberLanguage(lang) {
  localStorage.setItem(STORAGE_KEY, lang);
}

/**
 * Fill a <select> with the interface languages and switch on change: the new
 * strings are applied to the document, then handed to ``onChange`` so the
 * page can redraw what it builds itself.
 * @param {HTMLSelectElement} select @param {Strings} strings
 * @param {(strings: Strings) => void} onChange
 */
export function uiLanguageSelect(select, strings, onChange) {
  select.replaceChildren(...strings.available.map((l) => {
    const option = document.createElement("option");
    option.value = l.code;
    option.textContent = l.name;
    option.selected = l.code === strings.lang;
    return option;
  }));
  select.onchange = async () => {
    rememberLanguage(select.value);
    const next = await loadStrings(select.value);
    next.apply(document);
    onChange(next);
  };
}
