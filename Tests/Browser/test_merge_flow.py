"""Merging by clicking: tick the uploaded chat dataset and the small synthesized child on the list page, name the
result, press Merge selected, and land on the new dataset, which lists both parents and validates."""

import re

from playwright.sync_api import expect

from conftest import VIEWPORTS, PageWatch, find_key, screenshot


def test_select_two_datasets_on_the_list_and_merge_them(server, playwright_browser, admin_state, data):
    chat, child = data["chat"], data["child"]
    context = playwright_browser.new_context(viewport=VIEWPORTS["phone"], storage_state=admin_state["state"])
    watch = PageWatch(context)
    page = context.new_page()

    page.goto(server.base + "/datasets")
    # Seeds cannot be merged, so they get no checkbox.
    expect(page.locator(f"input[name=dataset_ids][value='{data['seeds']}']")).to_have_count(0)
    page.check(f"input[name=dataset_ids][value='{chat}']")
    page.check(f"input[name=dataset_ids][value='{child}']")
    page.fill("#merge-form input[name=name]", "clicked-merge")
    screenshot(page, "merge-phone-selected")
    page.get_by_role("button", name="Merge selected").click()
    page.wait_for_url(re.compile(r".*/datasets/\d+$"))
    merged = int(page.url.rsplit("/", 1)[1])
    assert merged not in (chat, child)

    head = page.locator(".eyebrow")
    expect(head.get_by_role("link", name=f"Dataset #{chat}")).to_be_visible()
    expect(head.get_by_role("link", name=f"Dataset #{child}")).to_be_visible()
    # The page follows validation by itself: the rows' prompts show once the merged rows are validated.
    expect(page.locator("#rows-preview li").first).to_be_visible(timeout=30_000)
    expect(page.locator("#merge-note")).to_contain_text("exact duplicate rows dropped")
    screenshot(page, "merge-phone-merged")

    body = data["api"].call("GET", f"/api/datasets/{merged}")
    assert find_key(body, "parents") == [chat, child], body
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    problems = watch.take(page)
    context.close()
    assert overflow <= 0, f"the merged dataset page scrolls sideways by {overflow} px"
    assert not problems, problems
