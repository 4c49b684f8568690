"""Languages silkhall knows: codes, names in their own language, ISO 639-2."""

from __future__ import annotations

from typing import NamedTuple


class Language(NamedTuple):
    code: str  # ISO 639-1, as used in channel names and URLs
    endonym: str  # the language's name in itself, as listeners look for it
    english: str
    iso639_2: str  # Matroska / ffprobe language tags


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("zh", "中文", "Chinese", "zho"),
        Language("en", "English", "English", "eng"),
        Language("fr", "Français", "French", "fra"),
        Language("it", "Italiano", "Italian", "ita"),
        Language("pt", "Português", "Portuguese", "por"),
        Language("es", "Español", "Spanish", "spa"),
        Language("ja", "日本語", "Japanese", "jpn"),
        Language("ka", "ქართული", "Georgian", "kat"),
        Language("uz", "Oʻzbekcha", "Uzbek", "uzb"),
        Language("ru", "Русский", "Russian", "rus"),
        Language("de", "Deutsch", "German", "deu"),
        Language("ar", "العربية", "Arabic", "ara"),
        Language("ko", "한국어", "Korean", "kor"),
        Language("hi", "हिन्दी", "Hindi", "hin"),
        Language("th", "ไทย", "Thai", "tha"),
        Language("vi", "Tiếng Việt", "Vietnamese", "vie"),
        Language("km", "ខ្មែរ", "Khmer", "khm"),
        Language("id", "Bahasa Indonesia", "Indonesian", "ind"),
        Language("tr", "Türkçe", "Turkish", "tur"),
    )
}


def is_known(code: str) -> bool:
    return code in LANGUAGES


def endonym(code: str) -> str:
    lang = LANGUAGES.get(code)
    return lang.endonym if lang else code


def iso639_2(code: str) -> str:
    lang = LANGUAGES.get(code)
    return lang.iso639_2 if lang else "und"
