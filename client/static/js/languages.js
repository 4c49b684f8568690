// The languages silkhall knows (agenda/languages.py), by code, each named in
// itself as listeners look for it.

export const LANGUAGES = Object.freeze({
  zh: "中文", en: "English", fr: "Français", it: "Italiano", pt: "Português",
  es: "Español", ja: "日本語", ka: "ქართული", uz: "Oʻzbekcha", ru: "Русский",
  de: "Deutsch", ar: "العربية", ko: "한국어", hi: "हिन्दी", th: "ไทย",
  vi: "Tiếng Việt", km: "ខ្មែរ", id: "Bahasa Indonesia", tr: "Türkçe",
});

/** A language's name in itself, or its code if unknown. */
export function languageName(code) {
  return LANGUAGES[code] ?? code;
}

/** Codes with the meeting's languages first, then every other known one. */
export function languageCodes(first = []) {
  return [...new Set([...first, ...Object.keys(LANGUAGES)])];
}

/** A text in the UI language, else in the first language that has it. */
export function localized(text, lang, fallbacks = []) {
  if (!text) return "";
  for (const code of [lang, ...fallbacks, "en"]) if (text[code]) return text[code];
  return Object.values(text)[0] ?? "";
}
