"""axe-core (through axe-playwright-python) on every page of the accessibility statement
(`gis.accessibility.PAGES`) at a desktop and a phone: no violation of impact serious or
critical (WCAG 2.1 A and AA rules: contrast, labels, names, landmarks, language)."""

from __future__ import annotations

import pytest

from tests.project._site_pages import opened, page_params

pytestmark = pytest.mark.browser

OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def blocking_violations(results) -> list[str]:
    """One line per serious or critical violation: rule, impact and the first elements."""
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
        lines.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return lines


@pytest.mark.parametrize(("page", "viewport"), page_params("axe"))
def test_page_has_no_serious_axe_violation(live_url, browser, site, axe, page, viewport):
    with opened(browser, live_url, page, viewport, site) as (tab, response):
        assert response is not None and response.status == page.status, page.path
        problems = blocking_violations(axe.run(tab, options=OPTIONS))
        assert not problems, f"{page.path} at {viewport}:\n" + "\n".join(problems)
