"""The row page's keys on a phone: r rejects and moves on to the next row of the filter, j / k move, e opens the editor,
and typing in the editor's fields is typing, not shortcuts."""

import re

from playwright.sync_api import expect

from conftest import VIEWPORTS, PageWatch, find_key


def test_review_keys_review_move_and_edit(server, playwright_browser, admin_state, data):
    context = playwright_browser.new_context(viewport=VIEWPORTS["phone"], storage_state=admin_state["state"])
    watch = PageWatch(context)
    page = context.new_page()
    chat = data["chat"]
    # Within the filter "unreviewed": rows 0 (accepted) and 1 (edited) are not in it, so the first is row 2.
    page.goto(server.base + f"/datasets/{chat}/rows/2?review=unreviewed")

    page.keyboard.press("r")
    expect(page).to_have_url(re.compile(rf"/datasets/{chat}/rows/3\?review=unreviewed$"))
    assert find_key(data["api"].call("GET", f"/api/datasets/{chat}/rows/2"), "verdict") == "rejected"

    # Rows 0 to 2 are all reviewed now: no unreviewed row comes before row 3, so k has nowhere to go.
    expect(page.locator("[data-row-key=k]")).to_have_count(0)
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/datasets/{chat}/rows/4\?review=unreviewed$"))

    page.keyboard.press("e")
    editor = page.locator("#edit textarea").first
    expect(editor).to_be_focused()
    page.keyboard.type("ajrk")
    expect(editor).to_have_value(re.compile("ajrk"))
    expect(page).to_have_url(re.compile(rf"/datasets/{chat}/rows/4\?review=unreviewed$"))

    problems = watch.take(page)
    context.close()
    assert not problems, problems
