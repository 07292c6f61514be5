"""Every HTML page of the route table, at phone and desktop width, in light and dark: no sideways scrolling,
no console error, no CSP violation, numeric headers aligned with their numbers, the colour scheme followed."""

import json
import re

import pytest

from conftest import MEMBER, ROOT, SCHEMES, VIEWPORTS, PageWatch, screenshot, sign_in

ROUTES_FILE = ROOT / "Sources/DistilleryServer/Routing/Routes.swift"
HTML_GET_ROUTE = re.compile(r'Route\(\s*"GET",\s*"([^"]+)",\s*access:\s*\.(\w+),\s*format:\s*\.html')


def html_get_routes():
    """(pattern, access) of every GET route rendered as HTML, read from the route table itself."""
    routes = HTML_GET_ROUTE.findall(ROUTES_FILE.read_text())
    assert routes, f"no HTML GET route found in {ROUTES_FILE}: has the table's syntax changed?"
    return routes


def pages_by_route(data):
    """Who opens which URLs for each HTML GET route. A route missing here fails test_every_html_route_is_visited."""
    return {
        "/": [("admin", "/")],
        "/login": [("anonymous", "/login"), ("anonymous", "/login?notice=signed-out")],
        "/setup": [("anonymous", "/setup")],
        "/settings": [("admin", "/settings"), ("member", "/settings")],
        "/admin/users": [("admin", "/admin/users")],
        "/admin/audit": [("admin", "/admin/audit")],
        "/datasets": [("admin", "/datasets"), ("member", "/datasets")],
        "/datasets/new": [("admin", "/datasets/new")],
        "/datasets/{id}": [("admin", f"/datasets/{data[kind]}") for kind in ("chat", "broken", "seeds", "child", "curated")],
        "/datasets/{id}/quality": [("admin", f"/datasets/{data[kind]}/quality") for kind in ("chat", "child")],
        "/datasets/{id}/calibration": [("admin", f"/datasets/{data[kind]}/calibration") for kind in ("chat", "child")],
        "/datasets/{id}/rows/{idx}": [("admin", f"/datasets/{data['chat']}/rows/{idx}") for idx in (0, 1, 149)]
        + [("admin", f"/datasets/{data['chat']}/rows/1?review=edited"), ("member", f"/datasets/{data['child']}/rows/0")],
        "/datasets/{id}/curate": [("admin", f"/datasets/{data['chat']}/curate"),
                                  ("admin", f"/datasets/{data['chat']}/curate?flag=none&review=edited&min_length=5")],
        "/datasets/{id}/rows": [
            ("admin", f"/datasets/{data['chat']}/rows"), ("admin", f"/datasets/{data['child']}/rows"),
            ("admin", f"/datasets/{data['seeds']}/rows"), ("member", f"/datasets/{data['chat']}/rows?q=password&flag=none&per_page=2"),
        ],
        "/datasets/{id}/expand": [("admin", f"/datasets/{data['seeds']}/expand")],
        "/datasets/{id}/synthesize": [
            ("admin", f"/datasets/{data['seeds']}/synthesize"),
            ("admin", f"/datasets/{data['seeds']}/synthesize?recipe_id={data['recipe']}"),
        ],
        "/synthesis/{job}": [("admin", f"/synthesis/{data['job']}")],
        # Redirects to the dialog filled from the job's snapshot.
        "/synthesis/{job}/run-again": [("admin", f"/synthesis/{data['job']}/run-again")],
        "/jobs": [("admin", "/jobs"), ("member", "/jobs"), ("admin", "/jobs?kind=synthesis&status=completed&per_page=1")],
        "/recipes": [("admin", "/recipes"), ("member", "/recipes")],
        "/recipes/new": [("admin", "/recipes/new")],
        "/recipes/{id}": [("admin", f"/recipes/{data['recipe']}")],
        "/templates": [("admin", "/templates"), ("member", "/templates")],
        "/templates/new": [("admin", "/templates/new")],
        "/templates/{id}": [("admin", f"/templates/{data['template']}"), ("admin", f"/templates/{data['template']}?notice=created")],
        "/templates/{id}/generate": [("admin", f"/templates/{data['template']}/generate")],
        "/templates/{id}/dry-run": [("admin", f"/templates/{data['template']}/dry-run")],
        "/generations/{job}": [("admin", f"/generations/{data['generation']}"), ("admin", f"/generations/{data['expansion']}")],
        "/datasets/{id}/judge-scores/new": [("admin", f"/datasets/{data['chat']}/judge-scores/new")],
        "/scoring/{job}": [("admin", f"/scoring/{data['scoring']}")],
        "/evaluations": [("admin", "/evaluations"), ("member", "/evaluations")],
        "/evaluations/new": [("admin", "/evaluations/new"), ("admin", f"/evaluations/new?dataset={data['chat']}")],
        "/evaluations/compare": [("admin", f"/evaluations/compare?runs={data['evaluation']},{data['evaluation2']}")],
        "/evaluations/{job}": [("admin", f"/evaluations/{data['evaluation']}")],
        "/evaluations/{id}/failure-modes": [("admin", f"/evaluations/{data['evaluation']}/failure-modes")],
    }


# Error pages are pages too (their 404 status is the one console error Chromium reports for them).
ERROR_PAGES = [("admin", "/no/such/page"), ("admin", "/datasets/987654321"), ("member", "/admin/users")]

PAGE_CHECKS = """() => {
  const problems = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width) {
    const wide = [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap, .chart-scroll, table'))
      .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
    problems.push(`scrolls sideways: scrollWidth ${document.documentElement.scrollWidth} > innerWidth ${width}; widest: ${wide.join(', ')}`);
  }
  for (const table of document.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')];
    const rows = [...table.querySelectorAll('tbody tr')].filter(r => r.children.length === heads.length);
    heads.forEach((th, column) => {
      const cells = rows.map(r => r.children[column]).filter(c => c.textContent.trim() !== '');
      const numeric = cells.length > 0 && cells.every(c => getComputedStyle(c).textAlign === 'right');
      const align = getComputedStyle(th).textAlign;
      if ((numeric || th.classList.contains('num')) && align !== 'right' && align !== 'end') {
        problems.push(`header "${th.textContent.trim()}" is aligned ${align} over right-aligned numbers`);
      }
    });
  }
  for (const text of document.querySelectorAll('svg text')) {
    const matrix = text.getScreenCTM();
    const size = parseFloat(getComputedStyle(text).fontSize) * (matrix ? Math.hypot(matrix.a, matrix.b) : 1);
    if (text.textContent.trim() && size < 9.5) {
      problems.push(`chart label "${text.textContent.trim()}" drawn at ${size.toFixed(1)} px`);
      break;
    }
  }
  if (!document.querySelector('link[rel~=icon]')) problems.push('no favicon link');
  const rgb = getComputedStyle(document.body).backgroundColor.match(/\\d+(\\.\\d+)?/g).map(Number);
  const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  return {problems, luminance};
}"""


def test_every_html_route_is_visited():
    listed = set(pages_by_route({"chat": 1, "broken": 2, "seeds": 3, "child": 4, "curated": 5, "job": 1, "recipe": 1, "template": 1, "generation": 1, "expansion": 1, "scoring": 1, "evaluation": 1, "evaluation2": 1}))
    in_table = {pattern for pattern, _ in html_get_routes()}
    assert in_table - listed == set(), "HTML routes the browser suite does not open: add them to pages_by_route"
    assert listed - in_table == set(), "pages_by_route lists routes that are no longer in the table"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_fits_and_runs_clean(server, playwright_browser, admin_state, data, viewport, scheme):
    contexts = {}

    def context_for(who):
        if who not in contexts:
            options = {"viewport": VIEWPORTS[viewport], "color_scheme": scheme}
            if who == "admin":
                options["storage_state"] = admin_state["state"]
            context = playwright_browser.new_context(**options)
            watch = PageWatch(context)
            page = context.new_page()
            if who == "member":
                sign_in(page, server.base, *MEMBER)
                watch.take(page)
            contexts[who] = (context, watch, page)
        return contexts[who]

    visits = [(who, url, False) for pattern, urls in pages_by_route(data).items() for who, url in urls]
    visits += [(who, url, True) for who, url in ERROR_PAGES]
    failures = []
    try:
        for who, url, is_error_page in visits:
            _, watch, page = context_for(who)
            response = page.goto(server.base + url, wait_until="load")
            status = response.status if response else 0
            result = page.evaluate(PAGE_CHECKS)
            problems = list(result["problems"])
            seen = watch.take(page)
            if is_error_page:
                seen = [p for p in seen if "Failed to load resource: the server responded with a status of 4" not in p]
            problems += seen
            if status >= 500 or (status >= 400 and not is_error_page):
                problems.append(f"HTTP {status}: the suite meant to open a working page")
            if scheme == "dark" and result["luminance"] > 0.3:
                problems.append(f"light background ({result['luminance']:.2f}) in the dark colour scheme")
            if scheme == "light" and result["luminance"] < 0.7:
                problems.append(f"dark background ({result['luminance']:.2f}) in the light colour scheme")
            screenshot(page, f"{viewport}-{scheme}-{who}-{url}")
            failures += [f"{who} {url} ({viewport}, {scheme}): {problem}" for problem in problems]
    finally:
        for context, _, _ in contexts.values():
            context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_failed_sign_in_puts_the_cursor_in_the_password_field(server, playwright_browser, viewport):
    context = playwright_browser.new_context(viewport=VIEWPORTS[viewport])
    watch = PageWatch(context)
    page = context.new_page()
    page.goto(server.base + "/login")
    assert page.evaluate("document.activeElement.name") == "name"
    page.fill("input[name=name]", MEMBER[0])
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("[role=alert]").count() == 1
    assert page.evaluate("document.activeElement.name") == "password"
    assert page.input_value("input[name=name]") == MEMBER[0]
    problems = [p for p in watch.take(page) if "status of 401" not in p]
    context.close()
    assert not problems, problems


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_template_preview_fits_and_runs_clean(server, playwright_browser, admin_state, data, viewport, scheme):
    """The Preview form's result (long prompts, the strata table) is a page of its own, reached by POST."""
    context = playwright_browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme, storage_state=admin_state["state"])
    watch = PageWatch(context)
    page = context.new_page()
    page.goto(f"{server.base}/templates/{data['template']}")
    page.fill("textarea[name=variables]", json.dumps({
        "topic": [{"value": "billing and invoices", "weight": 0.5, "description": "charges, refunds and invoice corrections"},
                  {"value": "service outages", "weight": 0.3, "description": "the product is down or slow"},
                  {"value": "onboarding", "weight": 0.2, "description": "the first week of a new account"}],
        "difficulty": ["easy", "hard"]}))
    page.fill("input[name=count]", "40")
    page.click("#preview button[type=submit]")
    page.wait_for_load_state("load")
    problems = []
    if page.locator("pre.prompt").count() != 6:  # the system prompt and five calls
        problems.append(f"expected the system prompt and 5 prompts, got {page.locator('pre.prompt').count()} blocks")
    problems += page.evaluate(PAGE_CHECKS)["problems"] + watch.take(page)
    screenshot(page, f"{viewport}-{scheme}-admin-template-preview")
    context.close()
    assert not problems, problems
