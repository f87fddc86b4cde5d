"""Every string of the work-list pages has a Swedish translation, and the pages use them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.utils import translation
from django.utils.html import escape
from django.utils.translation.template import templatize

from gis.fixes.models import Fix
from tests.conftest import ROOT
from tests.fixes.conftest import make_user

CATALOGUE = ROOT / "gis" / "locale" / "sv" / "LC_MESSAGES" / "django.po"
KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def _template(tmp_path: Path) -> Path:
    """The msgids of the fixes pages and modules, extracted as `makemessages` does."""
    sources = []
    for template in sorted((ROOT / "gis" / "fixes" / "templates" / "fixes").glob("*.html")):
        target = tmp_path / f"{template.name}.py"
        target.write_text(templatize(template.read_text(), origin=str(template)))
        sources.append(str(target))
    assert len(sources) >= 3, "the fixes templates moved: update this path"
    sources += [str(p) for p in sorted((ROOT / "gis" / "fixes").glob("*.py"))]
    pot = tmp_path / "fixes.pot"
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", *KEYWORDS, "-o", str(pot), *sources],
        check=True,
    )
    return pot


def test_catalogue_translates_every_msgid(tmp_path):
    pot = _template(tmp_path)
    compared = subprocess.run(["msgcmp", str(CATALOGUE), str(pot)], capture_output=True, text=True)
    assert compared.returncode == 0, compared.stderr
    checked = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "x.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "untranslated" not in checked.stderr and "fuzzy" not in checked.stderr


def swedish(msgid: str) -> str:
    """The Swedish text of `msgid`; it must differ from the English."""
    with translation.override("sv"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no Swedish for {msgid!r}"
    return escape(text)


def test_pages_speak_swedish_by_default_and_english_under_en(client, ranked):
    client.force_login(make_user("planner"))
    page = client.get("/fixes/", {"fix_type": "clear_vegetation"}).content.decode()
    for msgid in (
        "Work list of fixes",
        "Department",
        "Trim or clear vegetation",
        "Parks department",
    ):
        assert swedish(msgid) in page, msgid
    fix = Fix.objects.filter(run=ranked.run).order_by("rank").first()
    page = client.get(f"/fixes/{fix.pk}/").content.decode()
    assert swedish("Why this fix") in page
    english = client.get(f"/en/fixes/{fix.pk}/").content.decode()
    assert "Why this fix" in english and "relevant reports" in english
