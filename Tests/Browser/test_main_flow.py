"""The main flow by clicking, as a person would: upload seeds, open Generate Synthetic Data, start a synthesis
against the fake teacher, wait for the job to finish, open the child dataset and read its rows."""

import re

from playwright.sync_api import expect

from conftest import VIEWPORTS, PageWatch, screenshot, seed_lines


def test_upload_seeds_synthesize_and_open_the_child(server, playwright_browser, admin_state, tmp_path):
    seeds_file = tmp_path / "taglines.jsonl"
    seeds_file.write_text("\n".join(seed_lines(12)) + "\n")
    context = playwright_browser.new_context(viewport=VIEWPORTS["phone"], storage_state=admin_state["state"])
    watch = PageWatch(context)
    page = context.new_page()

    page.goto(server.base + "/datasets")
    page.get_by_role("link", name="New dataset").first.click()
    page.check("input[name=mode][value=seeds]")
    page.fill("input[name=name]", "clicked-taglines")
    page.set_input_files("input[name=file]", str(seeds_file))
    page.locator("[data-preset-target]").first.click()  # a skill-prompt preset fills the textarea
    assert page.input_value("textarea[name=skill_prompt]").strip() != ""
    page.locator("form[data-dataset-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/datasets/\d+$"))

    # The page follows validation by itself; the button appears once the seeds are ready.
    generate = page.get_by_role("link", name="Generate Synthetic Data")
    expect(generate).to_be_visible(timeout=30_000)
    generate.click()
    page.wait_for_url(re.compile(r".*/datasets/\d+/synthesize$"))
    page.select_option("select[name=provider]", "openai-compatible")
    page.fill("input[name=base_url]", server.teacher_url)
    page.fill("input[name=custom_model]", "fake-teacher")
    page.fill("input[name=max_in_flight]", "4")
    page.get_by_role("button", name="Start Synthesis").click()
    page.wait_for_url(re.compile(r".*/synthesis/\d+$"))

    # The job page follows the job and reloads when it ends; then it links the child dataset.
    child = page.get_by_role("link", name=re.compile("child dataset", re.I))
    expect(child).to_be_visible(timeout=60_000)
    screenshot(page, "flow-phone-job-finished")
    child.first.click()
    page.wait_for_url(re.compile(r".*/datasets/\d+$"))
    expect(page.locator("#rows-preview li").first).to_be_visible(timeout=30_000)
    screenshot(page, "flow-phone-child-dataset")
    # The rows themselves are read in the explorer, as conversations.
    page.get_by_role("link", name="Explore the rows").click()
    page.wait_for_url(re.compile(r".*/datasets/\d+/rows$"))
    expect(page.locator(".conversation").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Answer to: Write a tagline")).first).to_be_visible()
    screenshot(page, "flow-phone-child-explorer")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    problems = watch.take(page)
    context.close()
    assert overflow <= 0, f"the child dataset page scrolls sideways by {overflow} px"
    assert not problems, problems
