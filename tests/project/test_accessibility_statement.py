"""The accessibility statement names every page the browser tests check, every check and every
known issue, in Swedish and in English, and every page links to it from its footer."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.html import escape

from gis import accessibility


@pytest.mark.parametrize(
    ("language", "path"), [("sv", "/tillganglighet/"), ("en", "/en/accessibility/")]
)
def test_statement_lists_checked_pages_checks_and_known_issues(client, db, language, path):
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    with translation.override(language):
        for page in accessibility.PAGES:
            assert f'data-page="{page.key}"' in text
            assert escape(str(page.name)) in text
            assert f"<code>{page.path}</code>" in text
        for check in accessibility.CHECKS:
            assert escape(str(check.description)) in text
        for issue in accessibility.KNOWN_ISSUES:
            assert f'data-issue="{issue.key}"' in text
            assert escape(str(issue.description)) in text
    assert accessibility.TESTED_ON.isoformat() in text
    assert "digg.se/tdosanmalan" in text


def test_statement_is_in_swedish_first(client, db):
    text = client.get("/tillganglighet/").content.decode()
    assert '<html lang="sv">' in text
    assert "Tillgänglighetsredogörelse för Trygg" in text
    assert "delvis förenlig" in text


def test_known_issues_name_checked_pages_only():
    keys = set(accessibility.page_keys())
    assert len(keys) == len(accessibility.PAGES)
    for issue in accessibility.KNOWN_ISSUES:
        assert set(issue.pages) <= keys, issue.key


@pytest.mark.parametrize("path", ["/", "/login/", "/rapportera/", "/finns-inte/"])
def test_every_page_links_the_statement_from_its_footer(client, db, path):
    text = client.get(path).content.decode()
    footer = text[text.index("<footer") :]
    assert 'href="/tillganglighet/"' in footer


@pytest.mark.parametrize(
    ("value", "href"),
    [
        ("tillganglighet@kommun.example", "mailto:tillganglighet@kommun.example"),
        ("https://kommun.example/kontakt", "https://kommun.example/kontakt"),
    ],
)
def test_the_configured_contact_is_linked(client, db, settings, value, href):
    settings.TRYGG_ACCESSIBILITY_CONTACT = value
    html = client.get("/tillganglighet/").content.decode()
    assert f'<a href="{href}" id="accessibility-contact">{value}</a>' in html
    assert "Skriv till:" in html


@pytest.mark.parametrize("value", ["", "javascript:alert(1)", "<b>kontakt</b>", "ring oss"])
def test_no_contact_link_without_an_address(client, db, settings, value):
    settings.TRYGG_ACCESSIBILITY_CONTACT = value
    html = client.get("/tillganglighet/").content.decode()
    assert 'id="accessibility-contact"' not in html
    assert "<b>kontakt</b>" not in html
