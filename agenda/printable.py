"""The agenda as a printable page: two languages side by side, times in the
meeting's zone with each venue's local time, speakers and floor languages.
Rendered on the server (pure function), so it prints without scripts."""

from __future__ import annotations

from html import escape as _escape
from zoneinfo import ZoneInfo

from agenda.languages import endonym
from agenda.model import AgendaItem, Meeting

STYLE = """
body { font-family: system-ui, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2rem; color: #1d1b18; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h1 + h1 { color: #5a5148; }
.when { color: #5a5148; margin-bottom: 1.2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .45rem .5rem;
         border-bottom: 1px solid #ddd; }
th { font-size: .85rem; color: #5a5148; }
.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
.local { display: block; font-size: .8rem; color: #6b655c; }
.speakers { font-size: .85rem; color: #3b3631; }
.floor { font-size: .8rem; color: #6b655c; }
@media print { body { margin: 1cm; } tr { break-inside: avoid; } }
"""


def escape(text: str) -> str:
    # Text content only: quotes stay as they are (no attribute takes text).
    return _escape(text, quote=False)


def _title(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()))


def _hm(item: AgendaItem, zone: str) -> str:
    return item.start.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def printable_agenda(meeting: Meeting, languages: list[str]) -> str:
    """HTML for printing; ``languages`` are the (one or two) columns."""
    columns = [lang for lang in languages if lang in meeting.languages][:2] or [
        meeting.first_language()
    ]
    zone = meeting.timezone
    other_zones = sorted({v.timezone for v in meeting.venues} - {zone})
    cities: dict[str, str] = {}
    for venue in meeting.venues:
        known = cities.get(venue.timezone)
        cities[venue.timezone] = f"{known}, {venue.city}" if known else venue.city
    date = meeting.start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
    rows = []
    for item in meeting.items:
        local = "".join(
            f'<span class="local">{_hm(item, z)} {escape(cities.get(z, z))}</span>'
            for z in other_zones
        )
        speakers = ", ".join(
            escape(s.name + (f" ({s.organisation})" if s.organisation else ""))
            for s in item.speakers
        )
        floor = (f'<span class="floor">{escape(endonym(item.floor_language))}</span>'
                 if item.floor_language else "")
        cells = "".join(f'<td lang="{c}">{escape(_title(item.title, c))}'
                        f'<div class="speakers">{speakers}</div></td>' for c in columns)
        rows.append(f'<tr><td class="time">{_hm(item, zone)}'
                    f' <span class="local">{item.duration // 60} min</span>{local}</td>'
                    f"{cells}<td>{floor}</td></tr>")
    headings = "".join(f'<h1 lang="{c}">{escape(_title(meeting.title, c))}</h1>' for c in columns)
    head_cells = "".join(f'<th lang="{c}">{escape(endonym(c))}</th>' for c in columns)
    return (
        f'<!doctype html><html lang="{columns[0]}"><head><meta charset="utf-8">'
        f"<title>{escape(_title(meeting.title, columns[0]))}</title>"
        f"<style>{STYLE}</style></head><body>{headings}"
        f'<div class="when">{date} · {escape(zone)}'
        f'{" · " + escape(meeting.chair) if meeting.chair else ""}</div>'
        f"<table><thead><tr><th>{escape(zone.split('/')[-1].replace('_', ' '))}</th>"
        f"{head_cells}<th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>"
    )
