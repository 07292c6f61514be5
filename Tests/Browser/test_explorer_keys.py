"""The row explorer's keys: j / k move the current row down and up the list, and are ignored while typing in a field."""

from playwright.sync_api import expect

from conftest import VIEWPORTS, PageWatch


def test_j_and_k_move_between_rows_but_not_while_typing(server, playwright_browser, admin_state, data):
    context = playwright_browser.new_context(viewport=VIEWPORTS["phone"], storage_state=admin_state["state"])
    watch = PageWatch(context)
    page = context.new_page()
    page.goto(server.base + f"/datasets/{data['chat']}/rows?per_page=5")
    rows = page.locator("[data-row-list] > li")
    expect(rows).to_have_count(5)

    page.keyboard.press("j")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(2)).to_be_focused()
    expect(rows.nth(2)).to_have_class("conversation explorer-row is-current")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_be_focused()

    search = page.locator("input[name=q]")
    search.click()
    page.keyboard.type("jk")
    expect(search).to_have_value("jk")
    expect(search).to_be_focused()

    problems = watch.take(page)
    context.close()
    assert not problems, problems
