"""A shopper over a rate limit, in Chromium: the notice shows where they can see it and the
page they were on stays as it was."""

import re

from playwright.sync_api import expect


def test_an_in_place_search_over_the_limit_shows_the_notice(shop, browser):
    # A client address of its own (the server trusts one proxy), so the limit this test
    # spends is nobody else's; and a page of its own, as the shared one fails on any console
    # error and Chromium reports each 429 as one.
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.77"})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{shop['url']}/products/?q=jacket")
        # Search until one is refused: the counting window is the clock's minute, so a new
        # one may begin on the way, and only a refusal shows the limit is reached right now.
        for _ in range(121):
            if context.request.get(f"{shop['url']}/products/?q=jacket").status == 429:
                break
        else:
            raise AssertionError("120 searches in a row were all served")
        heading = page.locator("#results-heading").inner_text()
        page.evaluate("window.__sameDocument = true")

        page.get_by_label("Sort by").select_option("price")

        notice = page.locator("#messages .message--error")
        expect(notice).to_contain_text("Too many searches in a short time.")
        expect(notice).to_contain_text(re.compile(r"Please try again in \d+ seconds?\."))
        expect(notice).to_be_in_viewport()
        expect(page).to_have_url(f"{shop['url']}/products/?q=jacket")
        expect(page.locator("#results-heading")).to_have_text(heading)
        assert page.evaluate("window.__sameDocument === true")
        assert errors == []
    finally:
        context.close()
