"""The demo meeting: the 2020 video conference of the International Network of
Silk Cities and Metropoles (14:00–16:30 Europe/Paris, 20 November 2020)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from agenda.model import AgendaItem, Booth, ItemKind, Meeting, Speaker, Venue

DEMO_ID = "demo"
_OPENING = datetime(2020, 11, 20, 13, 0, tzinfo=UTC)  # 14:00 in Lyon


def _item(
    ident: str,
    minute: int,
    duration_min: int,
    titles: tuple[str, str, str],
    floor: str,
    speakers: list[dict[str, Any]],
    kind: ItemKind = ItemKind.SPEECH,
    media: str | None = None,
) -> AgendaItem:
    fr, en, zh = titles
    return AgendaItem(
        id=ident,
        kind=kind,
        title={"fr": fr, "en": en, "zh": zh},
        start=_OPENING + timedelta(minutes=minute),
        duration=duration_min * 60,
        floor_language=floor,
        speakers=[Speaker(**s) for s in speakers],
        media=media,
    )


def demo_meeting() -> Meeting:
    lyon = "Métropole de Lyon"
    return Meeting(
        id=DEMO_ID,
        title={
            "en": "International Network of Silk Cities and Metropoles — Video Conference",
            "zh": "国际丝绸城市网络视频会议",
            "fr": "Réseau international des villes et métropoles de la soie — visioconférence",
        },
        timezone="Europe/Paris",
        start=_OPENING,
        end=_OPENING + timedelta(minutes=150),
        languages=["fr", "zh", "en"],
        hosts=["Lyon Metropole", "City of Lyon", "Intersoie France"],
        chair="Xavier Lépingle",
        booths=[
            Booth(id="zh", a="zh", b="en", understands=["zh", "en"]),
            Booth(id="en", a="en", b="fr", understands=["en", "fr", "it", "pt", "es"]),
            Booth(id="fr", a="fr", b="en", understands=["fr", "en", "it"]),
        ],
        venues=[
            Venue(
                id="lyon",
                name="Lyon Metropole hall",
                city="Lyon",
                timezone="Europe/Paris",
                pa_language="fr",
            ),
            Venue(
                id="hangzhou",
                name="Hangzhou secretariat (ISU)",
                city="Hangzhou",
                timezone="Asia/Shanghai",
                pa_language="zh",
            ),
            Venue(
                id="nanchong",
                name="Nanchong commerce bureau",
                city="Nanchong",
                timezone="Asia/Shanghai",
                pa_language="zh",
            ),
            Venue(id="como", name="Como", city="Como", timezone="Europe/Rome", pa_language="en"),
            Venue(
                id="parana",
                name="Paraná",
                city="Curitiba",
                timezone="America/Sao_Paulo",
                pa_language="en",
            ),
        ],
        items=[
            _item(
                "opening",
                0,
                10,
                ("Ouverture et bienvenue", "Opening and welcome", "开幕致辞"),
                "fr",
                [
                    {"name": "Nathalie Perrin-Gilbert", "organisation": lyon,
                     "venue": "lyon", "language": "fr"},
                    {"name": "Hélène Dromain", "organisation": lyon,
                     "venue": "lyon", "language": "fr"},
                ],
            ),
            _item(
                "networks",
                10,
                10,
                (
                    "L'importance des réseaux internationaux de villes",
                    "The importance of international city networks",
                    "国际城市网络的重要性",
                ),
                "fr",
                [{"name": "Sonia Zdorovtzoff", "organisation": "Ville de Lyon",
                  "venue": "lyon", "language": "fr"}],
            ),
            _item(
                "keynote",
                20,
                15,
                (
                    "Discours d'ouverture de l'ISU",
                    "Keynote of the ISU chairman",
                    "国际丝绸联盟主席主旨演讲",
                ),
                "zh",
                [{"name": "Zhang Guoqiang", "organisation": "International Silk Union",
                  "venue": "hangzhou", "language": "zh"}],
            ),
            _item(
                "cities",
                35,
                45,
                ("Présentations des villes", "City presentations", "城市介绍"),
                "pt",
                [
                    {"name": "Renata Amano", "organisation": "Brazilian Silk Association",
                     "venue": "parana", "language": "pt"},
                    {"name": "Stefano Vitali", "organisation": "Italian Silk Office",
                     "venue": "como", "language": "it"},
                    {"name": "Okamoto", "organisation": "City of Yokohama", "language": "ja"},
                    {"name": "Vicente Haba", "organisation": "Valencia", "language": "es"},
                    {"name": "Ilia Eloshvili", "organisation": "City of Tbilisi",
                     "language": "en"},
                    {"name": "Sardor Salimov", "organisation": "Embassy of Uzbekistan",
                     "language": "en"},
                ],
                kind=ItemKind.PANEL,
            ),
            _item(
                "nanchong",
                80,
                10,
                (
                    "Nanchong : 5000 ans de soie",
                    "Nanchong: 5000 years of silk",
                    "南充：五千年丝绸",
                ),
                "zh",
                [{"name": "Xiang Feng", "organisation": "Nanchong Commerce Bureau",
                  "venue": "nanchong", "language": "zh"}],
            ),
            _item(
                "charter",
                90,
                20,
                (
                    "Organisation et charte du réseau ; les cinq orientations",
                    "Organisation and charter of the network; the five orientations",
                    "网络的组织与章程；五项方针",
                ),
                "fr",
                [{"name": "Valérie De Rosa", "organisation": lyon,
                  "venue": "lyon", "language": "fr"}],
            ),
            _item(
                "uzbek-video",
                110,
                8,
                (
                    "Vidéo promotionnelle de l'Ouzbékistan",
                    "Promotional video of Uzbekistan",
                    "乌兹别克斯坦宣传片",
                ),
                "en",
                [],
                kind=ItemKind.VIDEO,
                media="uzbekistan.webm",
            ),
            _item(
                "exhibition",
                118,
                12,
                (
                    "Exposition « Un monde en Soi(e) »",
                    "Exhibition \"Un monde en Soi(e)\"",
                    "“丝绸世界”展览",
                ),
                "fr",
                [{"name": "Isabelle Moulin", "venue": "lyon", "language": "fr"}],
            ),
            _item(
                "closing",
                130,
                20,
                (
                    "Prochaine réunion en Ouzbékistan ; clôture",
                    "Next meeting in Uzbekistan; closing",
                    "下届会议在乌兹别克斯坦举行；闭幕",
                ),
                "fr",
                [{"name": "Xavier Lépingle", "organisation": "Intersoie France",
                  "venue": "lyon", "language": "fr"}],
            ),
        ],
    )
