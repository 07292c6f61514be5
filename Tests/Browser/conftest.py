"""Fixtures for the browser suite: the real `distillery` binary on a loopback port with a temporary data
folder, the fake teacher from Tests/FakeTeacher, Debian's Chromium driven by Playwright, and real data
made through the product itself (an admin, datasets, a synthesis job and its child, a token, a key, a user).

Run with `make browser-test` (or `make test`, after `swift test`). Environment:
  DISTILLERY_BIN  the binary to run (default: .build/debug/distillery)
  CHROMIUM        the browser (default: /usr/bin/chromium; Playwright downloads none)
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ADMIN = ("admin", "a long enough password")
MEMBER = ("mia", "member password 1")

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
SCHEMES = ("light", "dark")

# Runs before any page script: records CSP violations, which a page cannot hide by catching errors.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def read_line_matching(stream, pattern, timeout, what):
    """Reads `stream` line by line until `pattern` matches; returns the match."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise RuntimeError(f"{what} did not start; it printed: {''.join(seen)[-2000:]}")


EVALUATION_SCRIPT = {"judge": {
    "Question 1": {"fail": ["correct"], "phrase": "ignores the portal's reset link", "prefers": "reference"},
    "Question 2": {"prefers": "student"},
    "Question 3": {"fail": ["correct", "safe"], "phrase": "asks for the user's password", "prefers": "first"},
    # Phrases that cluster into failure modes (the failure-modes page): two pairs and one of their own.
    "Question 4:": {"fail": ["correct"], "phrase": "ignores the word limit"},
    "Question 5:": {"fail": ["correct"], "phrase": "Ignores the word-limit."},
    "Question 6:": {"fail": ["correct"], "phrase": "invents an API"},
    "Question 7:": {"fail": ["correct"], "phrase": "invented API call"},
}}


class Server:
    """`distillery serve` on 127.0.0.1 with its own data folder, plus the fake teacher it synthesizes against."""

    def __init__(self):
        self.binary = os.environ.get("DISTILLERY_BIN", str(ROOT / ".build/debug/distillery"))
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError(f"no distillery binary at {self.binary}: run `swift build` first")
        self.data = tempfile.mkdtemp(prefix="distillery-browser-")
        # As an evaluation's judge: the student's answers to questions 1… and 3… fail, 2… win (EVALUATION_SCRIPT).
        script = os.path.join(self.data, "evaluation-script.json")
        with open(script, "w", encoding="utf-8") as handle:
            json.dump(EVALUATION_SCRIPT, handle)
        self.teacher = subprocess.Popen(
            [sys.executable, str(ROOT / "Tests/FakeTeacher/fake_teacher.py"), "--port", "0", "--latency-ms", "30",
             "--expand-drops", "refusal,echo", "--eval-script", script],
            stdout=subprocess.PIPE, text=True)
        port = read_line_matching(self.teacher.stdout, r"LISTENING (\d+)", 20, "the fake teacher").group(1)
        self.teacher_url = f"http://127.0.0.1:{port}/v1"
        added = subprocess.run(
            [self.binary, "user", "add", ADMIN[0], "--admin", "--data", self.data],
            input=ADMIN[1] + "\n", capture_output=True, text=True, timeout=60)
        if added.returncode != 0:
            raise RuntimeError(f"user add failed: {added.stderr}")
        self.log = open(os.path.join(self.data, "server.log"), "w")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--port", "0", "--data", self.data], stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.base = read_line_matching(self.process.stdout, r"running at (http://[0-9.]+:\d+)", 30, "distillery serve").group(1)

    def stop(self):
        for process in (self.process, self.teacher):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


class API:
    """The JSON API with a bearer token (exempt from CSRF), for making data quickly."""

    def __init__(self, base, token):
        self.base = base
        self.token = token

    def call(self, method, path, body=None, content_type="application/json", expect=(200, 201, 202)):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status not in expect:
            raise AssertionError(f"{method} {path} answered {status}: {text[:500]}")
        return json.loads(text) if text else None

    def eventually(self, path, done, timeout=60, what="the condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = self.call("GET", path)
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen within {timeout} s; last: {json.dumps(value)[:800]}")
            time.sleep(0.2)


def find_key(value, *names):
    """The first of `names` found in a (nested) JSON object: the suite checks layout, not field names."""
    if isinstance(value, dict):
        for name in names:
            if name in value and value[name] is not None:
                return value[name]
        for child in value.values():
            found = find_key(child, *names)
            if found is not None:
                return found
    return None


def chat_lines(count, long_word=False):
    lines = []
    for index in range(count):
        user = f"Question {index}: how do I reset my password on the support portal?"
        if long_word and index == 0:
            user += " " + "https://example.com/" + "a" * 300  # one unbreakable word: must wrap, not widen the page
        lines.append(json.dumps({"messages": [
            {"role": "system", "content": "You are a helpful support agent."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": f"Answer {index}: open Settings, choose Security, then Reset password. " * (1 + index % 7)},
        ]}))
    return lines


def seed_lines(count):
    topics = ["a sourdough bakery", "a bike repair shop", "an open-source database", "a climbing gym", "a tea importer"]
    return [json.dumps({"input": f"Write a tagline for {topics[i % len(topics)]} (variant {i})."}) for i in range(count)]


@pytest.fixture(scope="session")
def server():
    running = Server()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def playwright_browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        yield browser
        browser.close()


def sign_in(page, base, name, password):
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/datasets$"))


@pytest.fixture(scope="session")
def admin_state(server, playwright_browser):
    """An admin's signed-in browser state, and an API token made on the Settings page like a person would."""
    context = playwright_browser.new_context()
    page = context.new_page()
    sign_in(page, server.base, *ADMIN)
    page.goto(server.base + "/settings")
    page.fill("form[action='/settings/tokens'] input[name=name]", "browser suite")
    page.click("form[action='/settings/tokens'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/settings$"))  # Post/Redirect/Get: the token shows on the page after the redirect
    token = page.locator(".secret-once").inner_text().strip()
    assert token.startswith("dst_"), token
    state = context.storage_state()
    context.close()
    return {"state": state, "token": token}


def golden_set(data_folder, dataset):
    """Judge scores and reviews on the last 25 rows (the scoring job and the review page write these in the product),
    so the calibration page shows its figures: a 1-5 dimension and a pass/fail one."""
    with sqlite3.connect(os.path.join(data_folder, "distillery.sqlite"), timeout=10) as db:
        indexes = [row[0] for row in db.execute("SELECT idx FROM dataset_rows WHERE dataset_id = ? ORDER BY idx DESC LIMIT 25", (dataset,))]
        for position, idx in enumerate(indexes):
            for dimension, rubric, score in (("correct", "scale", 1 + position % 5), ("safe", "pass_fail", position % 3 and 1)):
                db.execute("INSERT INTO row_scores (dataset_id, idx, dimension, rubric, score, reasoning, model, prompt_version, created_at)"
                           " VALUES (?, ?, ?, ?, ?, 'fixture', 'fake-judge', 'v1', 0)", (dataset, idx, dimension, rubric, score))
            db.execute("INSERT INTO row_reviews (dataset_id, idx, verdict, rating, reviewed_at) VALUES (?, ?, ?, ?, 0)",
                       (dataset, idx, "accepted" if position % 4 else "rejected", 1 + (position * 2) % 5))


@pytest.fixture(scope="session")
def data(server, admin_state):
    """Real data of every kind a page can show; ids by role."""
    api = API(server.base, admin_state["token"])

    def upload(lines, name, mode="chat", skill_prompt=None):
        query = f"?name={urllib.request.quote(name)}&mode={mode}"
        if skill_prompt:
            query += "&skill_prompt=" + urllib.request.quote(skill_prompt)
        created = api.call("POST", "/api/datasets" + query, ("\n".join(lines) + "\n").encode(), "application/jsonl")
        return find_key(created, "id")

    chat = upload(chat_lines(150, long_word=True), "support-replies-v1 with a rather long descriptive name for wrapping")
    broken_lines = chat_lines(120)
    broken_lines[3] = '{"messages": [{"role": "user", "content": "no system turn"}]}'
    broken_lines[7] = "not json at all"
    broken_lines[9] = json.dumps({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]})
    broken = upload(broken_lines, "broken-upload")
    seeds = upload(seed_lines(24), "tagline-seeds", "seeds", "You are a witty copywriter. Answer with one short tagline.")
    for dataset in (chat, broken, seeds):
        api.eventually(f"/api/datasets/{dataset}", lambda d: find_key(d, "status") not in ("validating", "queued"),
                       what=f"validation of dataset {dataset}")
    # The chat dataset is split (its page shows the split table); the broken one is not (only the form).
    api.call("PUT", f"/api/datasets/{chat}/split", {"train": 0.8, "validation": 0.1, "test": 0.1, "seed": 42})
    golden_set(server.data, chat)
    # Row 0 is reviewed and row 1 edited twice, so the row page shows a review and an edit history.
    api.call("POST", f"/api/datasets/{chat}/rows/0/review", {"verdict": "accepted", "rating": 4})
    messages = find_key(api.call("GET", f"/api/datasets/{chat}/rows/1"), "messages")
    for answer in ("A first, shorter answer.", "A second answer that replaces the first one."):
        edited = [dict(m) for m in messages]
        edited[-1]["content"] = answer
        api.call("POST", f"/api/datasets/{chat}/rows/1/edit", {"messages": edited})
    # A curated child of every row but the rejected ones (its page shows its provenance).
    curated = find_key(api.call("POST", f"/api/datasets/{chat}/curated", {"name": "support replies, curated", "representatives": "1"}), "id")
    api.eventually(f"/api/datasets/{curated}", lambda d: find_key(d, "status") not in ("validating", "queued"),
                   what=f"validation of curated dataset {curated}")

    job = api.call("POST", f"/api/datasets/{seeds}/synthesis", {
        "provider": "openai-compatible", "base_url": server.teacher_url, "custom_model": "fake-teacher",
        "max_in_flight": "4", "max_new_tokens": "200", "temperature": "0.7"})
    job_id = find_key(job, "jobID", "job_id", "id")
    finished = api.eventually(f"/api/synthesis/{job_id}", lambda j: find_key(j, "isActive") is False,
                              what=f"synthesis job {job_id}")
    child = find_key(finished, "childDatasetID", "child_dataset_id")
    assert child, f"the job made no child dataset: {json.dumps(finished)[:800]}"
    api.eventually(f"/api/datasets/{child}", lambda d: find_key(d, "status") not in ("validating", "queued"),
                   what=f"validation of child dataset {child}")

    api.call("POST", "/api/keys", {"provider": "deepseek", "label": "team DeepSeek key", "key": "sk-browser-suite-0123456789"})
    api.call("POST", "/api/admin/users", {"name": MEMBER[0], "password": MEMBER[1], "role": "member"})
    # A recipe imported from Oumi's format: its model is not in the catalog, so its page shows what is missing.
    oumi = (ROOT / "Tests/DistilleryCoreTests/Fixtures/oumi/high_diversity_synthesis.json").read_bytes()
    recipe = find_key(api.call("POST", "/api/recipes", oumi), "id")
    # An instruction template whose prompt uses variables, a description and built-ins (its page shows them all), and
    # a generation task that ran from it, with duplicates dropped and one stratum short, so the task page shows every
    # section.
    template = find_key(api.call("POST", "/api/templates", {
        "name": "Support questions by topic and difficulty, for the help desk's first-line agents",
        "description": "Customer questions with answers, one topic and one difficulty a call",
        "type": "qa", "system_prompt": "You write realistic customer support questions and helpful, accurate answers.",
        "prompt": "Write {count} {difficulty} questions a customer asks about {topic} ({topic.description}), with answers. "
                  "Number them from {index}. Today is {current_date}; keep {{curly braces}} literal.",
        "settings": {"temperature": 0.8, "items_per_call": 5}}), "id")
    generation = api.call("POST", "/api/generations", {
        "template_id": template, "name": "generated support questions", "count": 12, "items_per_call": 4,
        "variables": {"topic": [{"value": "billing", "weight": 2, "description": "charges, refunds and invoices"},
                                {"value": "outages", "description": "the service is down or slow"}],
                      "difficulty": "hard"},
        "teacher": {"provider": "openai-compatible", "base_url": server.teacher_url, "custom_model": "fake-teacher"}})
    generation_id = find_key(generation, "jobID")
    api.eventually(f"/api/generations/{generation_id}", lambda t: find_key(t, "isActive") is False,
                   what=f"generation task {generation_id}")
    # A seed expansion of the seeds: the teacher's first variations of each seed are a refusal and an echo (dropped),
    # so its task page shows the rejections by reason.
    expansion = api.call("POST", f"/api/datasets/{seeds}/expand", {
        "name": "tagline-seeds expanded", "variations_per_seed": 2, "mutations": {"concretize": 1, "breadth": 1},
        "teacher": {"provider": "openai-compatible", "base_url": server.teacher_url, "custom_model": "fake-teacher"}})
    expansion_id = find_key(expansion, "jobID")
    api.eventually(f"/api/generations/{expansion_id}", lambda t: find_key(t, "isActive") is False,
                   what=f"seed expansion {expansion_id}")
    # A judge scoring job on the child, by a judge of its teacher's family (insisted on: its page shows the warning),
    # with a custom dimension.
    scoring = api.call("POST", f"/api/datasets/{child}/judge-scores", {
        "provider": "openai-compatible", "base_url": server.teacher_url, "custom_model": "fake-judge",
        "dimensions": ["answers_request", "safe"], "custom": "tone | Warm tone | 1-5 | The answer sounds friendly",
        "insist_same_family": True})
    scoring_id = find_key(scoring, "jobID")
    api.eventually(f"/api/scoring/{scoring_id}", lambda j: find_key(j, "isActive") is False, what=f"scoring job {scoring_id}")
    # Two evaluation runs of the fake teacher as a student on the chat dataset's test split, judged by the fake teacher
    # as scripted (EVALUATION_SCRIPT): their pages show every section, and they compare.
    fake = {"provider": "openai-compatible", "base_url": server.teacher_url, "model": "fake-teacher", "custom_model": "fake-teacher"}
    evaluations = []
    for name in ("student v1 on test", "student v2 on test"):
        started = api.call("POST", "/api/evaluations", {"name": name, "dataset_id": chat, "student": fake, "judge": fake})
        evaluation = find_key(started, "jobID")
        api.eventually(f"/api/evaluations/{evaluation}", lambda e: e["run"]["isActive"] is False, what=f"evaluation {evaluation}")
        evaluations.append(evaluation)
    return {"chat": chat, "broken": broken, "seeds": seeds, "child": child, "curated": curated, "job": job_id, "recipe": recipe,
            "template": template, "generation": generation_id, "expansion": expansion_id, "scoring": scoring_id,
            "evaluation": evaluations[0], "evaluation2": evaluations[1], "api": api}


class PageWatch:
    """Console errors, page errors and CSP violations seen by one browser context."""

    def __init__(self, context):
        self.problems = []
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        context.on("page", self.attach)

    def attach(self, page):
        page.on("console", lambda message: self.problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def take(self, page):
        found = list(self.problems)
        self.problems.clear()
        try:
            found += [f"CSP: {v}" for v in page.evaluate("window.__cspViolations || []")]
        except Exception as error:  # the page navigated away while we asked
            found.append(f"could not read CSP violations: {error}")
        return found


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)
