"""Every text of the presence measures' pages and modules has its Swedish in the catalogue, and
the pages speak Swedish by default and English under /en/."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.utils.translation import templatize

from tests.fixes.test_i18n import CATALOGUE, KEYWORDS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    *sorted((ROOT / "gis" / "presence" / "templates" / "presence").glob("measure_*.html")),
    ROOT / "gis" / "dashboard" / "templates" / "dashboard" / "_situation_measures.html",
]
MODULES = [
    ROOT / "gis" / "presence" / name
    for name in ("measures.py", "measure_forms.py", "urls_measures.py", "views/measures.py")
] + [ROOT / "gis" / "dashboard" / "situation_measures.py"]


def test_catalogue_translates_every_msgid(tmp_path):
    sources = []
    for template in TEMPLATES:
        target = tmp_path / f"{template.name}.py"
        target.write_text(templatize(template.read_text(), origin=str(template)))
        sources.append(str(target))
    assert len(sources) == 4, "the measure templates moved: update this list"
    pot = tmp_path / "measures.pot"
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--keyword=_",
            *KEYWORDS,
            "-o",
            str(pot),
            *sources,
            *map(str, MODULES),
        ],
        check=True,
    )
    compared = subprocess.run(["msgcmp", str(CATALOGUE), str(pot)], capture_output=True, text=True)
    assert compared.returncode == 0, compared.stderr


def test_pages_speak_swedish_by_default_and_english_under_en(client, demo):
    from tests.dashboard.conftest import make_user

    client.force_login(make_user("coordinator", prefix="meas-i18n"))
    swedish = client.get("/narvaro/atgarder/").content.decode()
    assert "Närvaroinsatser" in swedish and "Ny insats" in swedish
    english = client.get("/en/presence/measures/").content.decode()
    assert "Presence measures" in english and "New measure" in english
