"""Every page of the accessibility statement (`gis.accessibility.PAGES`) in Debian's Chromium at
a desktop (1366 × 900) and a phone (412 × 915): nothing is wider than the window, every visible
link, button and form field lies inside it horizontally, and the header's menu works with the
keyboard. A screenshot of each goes to pytest's temporary folder for a person to look at."""

from __future__ import annotations

import pytest

from tests.project._site_pages import VIEWPORTS, opened, page_params

pytestmark = pytest.mark.browser

#: Visible controls whose box leaves the window horizontally, and the page's width.
OUTSIDE = """(width) => {
  const bad = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    // Inside a horizontally scrolling box (a wide table's wrapper) the box may scroll.
    let scroller = el.parentElement, scrolls = false;
    while (scroller && scroller !== document.body) {
      const s = getComputedStyle(scroller);
      if (/(auto|scroll)/.test(s.overflowX) && scroller.scrollWidth > scroller.clientWidth) {
        scrolls = true;
        break;
      }
      scroller = scroller.parentElement;
    }
    if (scrolls) continue;
    if (box.left < -1 || box.right > width + 1) {
      const name = (el.innerText || el.value || el.name || '').trim().slice(0, 30);
      const where = `${Math.round(box.left)}..${Math.round(box.right)}`;
      bad.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${name}" ${where}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, bad};
}"""


@pytest.mark.parametrize(("page", "viewport"), page_params("reflow"))
def test_page_fits_the_window(live_url, browser, site, page, viewport, tmp_path):
    with opened(browser, live_url, page, viewport, site) as (tab, response):
        assert response is not None and response.status == page.status, page.path
        tab.screenshot(path=str(tmp_path / f"{page.key}-{viewport}.png"), full_page=True)
        # A phone's browser zooms out to fit a wide page, which widens innerWidth with it:
        # measure against the width the window was made.
        width = VIEWPORTS[viewport][0]
        found = tab.evaluate(OUTSIDE, width)
        assert found["scroll"] <= width, f"{page.path} is {found['scroll']} px wide"
        assert found["inner"] == width, f"the browser zoomed out to {found['inner']} px"
        assert not found["bad"], f"outside the window: {found['bad']}"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_skip_link_and_menu_work_with_the_keyboard(live_url, browser, site, viewport):
    from gis.accessibility import PAGES

    situation = next(page for page in PAGES if page.key == "situation")
    with opened(browser, live_url, situation, viewport, site) as (tab, _response):
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.className") == "skip-link"
        tab.keyboard.press("Enter")
        assert tab.evaluate("document.activeElement.id") == "main"
        link = tab.locator("#nav-fixes")
        if viewport == "phone":
            assert not link.is_visible()
            tab.locator(".site-menu > summary").focus()
            tab.keyboard.press("Enter")
        assert link.is_visible()
        assert tab.locator("#nav-situation").get_attribute("aria-current") == "page"
        link.focus()
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert tab.url.startswith(f"{live_url}/fixes/")
