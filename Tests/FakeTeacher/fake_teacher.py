#!/usr/bin/env python3
"""A fake OpenAI-compatible teacher for Distillery's tests and benchmarks (Python 3.11, stdlib only).

Start:  python3 Tests/FakeTeacher/fake_teacher.py --port 0 [options]
It prints exactly one line `LISTENING <port>` on stdout (flushed) once it accepts connections, then
serves until SIGTERM/SIGINT/kill, or until its parent process dies. One asyncio event loop with a Protocol per connection, a hand-written
HTTP/1.1 parser (Content-Length or chunked request bodies, keep-alive), no thread or task per request:
latency is a loop timer.

Endpoints
  GET  /v1/models            pre-flight: 401 on a wrong/missing key (when --api-key is set), else the model list
  POST /v1/chat/completions  OpenAI chat completions (model, messages, temperature, max_tokens, n, seed)
  POST /_control             JSON body with any option below (underscored names, e.g. {"latency_ms": 50});
                             also {"reset_stats": true}, {"reset_rate_window": true}, {"reset_fail_markers": true},
                             {"release_models": true} (answers every held /v1/models request, see --hold-models).
                             Answers the resulting configuration (never the key: only "api_key_set").
  GET  /_stats               {"requests", "by_status", "by_path", "concurrent_now", "concurrent_max",
                              "connections_now", "connections_max", "connections_total" (accepted since the reset),
                              "held_models" (requests held by --hold-models now)}
Control and stats endpoints need no key and are not rate limited or faulted; they are logged too.

Answers (deterministic, so tests can check rows)
  content = "Answer to: <last user message>"; with n > 1 each choice i (0-based) gets " (candidate i)".
  With --no-n (the engine must send separate requests) the k-th successful answer to the same user
  message gets " (candidate k)" (k counts 0, 1, 2, ... per distinct message).
  --reasoning adds message.reasoning_content = "Reasoning about: <last user message>".
  usage.prompt_tokens = ceil(chars of all messages / 4), completion_tokens = ceil(chars of answers / 4) (>= 1).
  The log entry of an answered chat completion adds "usage" (the usage it reported).

Judge requests: a system message containing JUDGE (configurable: --judge-word) or Distillery's "strict evaluator". The last user message is
split into candidate blocks by their labels; recognised labels (case-insensitive, at a line start):
"Candidate 1:", "Candidate 1", "### Candidate 1", "[1]", "<candidate 1>", '<candidate id="1">', '<candidate label="1">', "Answer 1:".
The judge picks the block whose text contains --judge-marker (default "(candidate 2)"); if none does, the
highest label. It answers content = {"best": <label number>, "reason": "..."} (a JSON object as text).
With --judge-garbage-rate p (or a [fail:badjudge] marker) it answers prose that is not JSON instead.
With --judge-garbage-at-zero the judge behaves like a small deterministic model: at temperature 0 (or none) and
without response_format json_object it always answers the same prose; a nudged temperature or JSON mode gets JSON.
A seed containing [judge:first] is judged by position alone: the judge picks label 1, whatever it holds (so asking
again with the candidates in another order picks another candidate: a flip).
With --judge-tokens N the verdict needs N completion tokens: under max_tokens N it is cut off (finish_reason "length").

Scoring requests (Distillery's judge scoring: a system message containing "impartial grader"): the user message lists the
dimensions as <dimension id="ID" scale="1-5|pass/fail"> blocks; the answer is one JSON object with, per dimension in that
order, {"reasoning": "...", "score": S} (reasoning first). S is 4 for 1-5 dimensions and "pass" for pass/fail ones, or N for
every 1-5 dimension when the message contains [score:N] (any integer: [score:9] is a verdict no parser may accept). A
scoring request is a judge request: [fail:badjudgexK] answers prose for its first K requests, then a good verdict. The
log entry adds "scoring": true.

Evaluation (Distillery's evaluation runs; --eval-script FILE, JSON {"student": {...}, "judge": {...}}):
  As the student (not a judge request): the first "student" key contained in the last user message answers that
  key's text instead of "Answer to: ...".
  As the judge (a system message containing "impartial judge", Distillery's evaluation prompts): a grade request
  (the user message has <student_answer>) answers {"verdicts": [{"dimension", "reasoning", "pass"}], "failure"} for
  every dimension listed as "- <id>:" under <dimensions>; a preference request (<answer_a>, <answer_b>) answers
  {"reasoning", "winner"}. The first "judge" key contained in the student's answer (grade) or in either answer
  (preference; that answer is taken as the student's) picks the entry {"fail": [dimension ids], "phrase": "...",
  "prefers": "student" | "reference" | "tie" | "first" (always answer A: an order flip)}. Without an entry every
  dimension passes and the preference is a tie. [fail:badjudge] in the judge's user message (e.g. carried by the
  student's answer) answers prose instead, as for any judge request.

Answer length: a user message containing [len:N] gets an answer of N completion tokens; when max_tokens is below N
the answer is cut off at max_tokens (finish_reason "length", completion_tokens = max_tokens), like a real model.

Generation requests (Distillery's generation tasks): a request whose response_format is a json_schema with an
"items" array (minItems = N, the item's required fields), or whose last user message says "holding exactly N items,
each {...}" (JSON mode), gets content {"items": [N items of that shape]}: prompts {"prompt"}, qa {"question", "answer"},
transform {"output"}, dialogue {"turns": [user, assistant]}. Every fresh item's words all carry a process-wide
counter, so no two fresh items share a word (never near duplicates). With --gen-duplicate-rate p each item is, with
probability p, an exact copy of a fresh item (same shape) of an earlier well-formed answer; with --gen-malformed-rate q an answer
is, with probability q, not usable (half of them cut JSON, half an item missing its last field). A user message
containing a --gen-duplicates-for WORD (repeatable, comma-separated) answers the same item every time (only the
first is new). Drawn from the --seed random in request order, so a run is reproducible. The log entry adds
"gen_items" (N), "gen_duplicates" (copies in this answer) and "gen_malformed" (null, "json" or "field").

Seed expansion (--expand-drops KINDS, comma-separated): a generation request whose user message holds a seed between
"<<<" and ">>>" lines (Distillery's built-in expansion template) answers, for each (seed, "Change to make (mutation)")
pair, its first items as the listed kinds in order, then fresh items as above. Kinds: echo (the request's mutation
instruction, i.e. the template's own words), refusal ("I'm sorry, but I can't help with rewriting this prompt."),
refusal_zh ("抱歉，我无法完成这个请求。"), near_copy (the seed in capitals with "!!" for its last punctuation: the same text
once normalised), near_reworded (the seed with one word appended: word-shingle Jaccard (n-2)/(n-1) for n words),
too_short ("Why?"), other_seed (the first other seed this teacher was asked about, verbatim; a 400 when there is none
yet). The log entry adds "expand_kinds" (each item's kind, "fresh" for the others).
With --expand-first TEXT the very first item of the first expansion answer is TEXT (kind "first"), e.g. a near
duplicate of a held-out prompt that a failure-mode dataset must drop; every later item is as above.

Rate limit: --rpm-limit N, a sliding 60 s window over accepted chat completions. Over it: 429 with
Retry-After (whole seconds, rounded up) and an OpenAI-style error body. Every chat-completion response
(200 and 429) carries x-ratelimit-limit-requests, x-ratelimit-remaining-requests and
x-ratelimit-reset-requests (seconds until a slot frees, as "<seconds>s", e.g. "1.25s"). Rejected
requests do not count against the window.

Faults (probabilities in [0, 1], drawn from a random.Random seeded by --seed, in this order):
  --rate-hang (never answers; holds the connection until the client closes it), --rate-500,
  --rate-malformed (200 with a cut JSON body), --rate-empty (200, content ""),
  --rate-truncated (finish_reason "length", the answer cut in half).
Scripted faults: a user message containing [fail:KIND] or [fail:KINDxK] answers that way for the first K
(default 1) requests carrying exactly that message, then normally. KIND: 400, 401 (also: a key revoked
mid-job), 500, 429, empty, hang, malformed, truncated, badjudge. Counters are per distinct message, so a judge
request about a seed has its own count.

Held pre-flights: with --hold-models (or {"hold_models": true}), GET /v1/models requests get no answer
until {"release_models": true} is posted to /_control; then each gets its normal answer, logged then.

Keys: --api-key K makes /v1/models and chat completions require "Authorization: Bearer K"; others get 401
{"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}}.
The received key is never echoed or logged, except with --echo-auth (a hostile or careless provider):
then every error body's message ends with "You sent: " and the received Authorization header in four
forms (raw, percent-encoded, \\u-escaped and \\/-escaped, as bytes of the JSON body), every non-judge
answer's content ends with " (you sent: <header, raw>)", and every response carries the header as
X-Echo-Authorization.
--models-latency-ms delays GET /v1/models (a slow pre-flight).
Models: --models a,b (default fake-teacher,fake-judge,fake-reasoner); unknown model -> 404 model_not_found.

Request log (--log FILE): one JSON line per request, flushed per line, written when the answer is sent
(or, for a hang, when the hang starts): {"t", "t_received", "method", "path", "model", "seed" (the last
user message), "n", "judge", "status" (0 for a hang), "fault", "auth" (whether an Authorization header
was present; never its value), "temperature", "top_p", "max_tokens", "sampling_seed" (the request's `seed`),
"response_format" (its type, or null), "response_schema" (whether a json_object format carried a "schema")}.
--json-object-schema-only refuses (422) any response_format type but json_object, as llama-cpp-python's server does.
"""

import argparse
import asyncio
import collections
import json
import math
import os
import random
import re
import resource
import signal
import sys
import time
import urllib.parse

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024

REASONS = {
    100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    405: "Method Not Allowed", 411: "Length Required", 413: "Payload Too Large",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
}

LABEL_PATTERN = re.compile(
    r'(?im)^[ \t]*(?:#+[ \t]*)?(?:'
    r'<candidate(?:[ \t]+(?:id|label)=)?[ \t]*"?(\d+)"?[ \t]*>'
    r'|\[(\d+)\]'
    r'|(?:candidate|answer)[ \t]*#?(\d+)[ \t]*[:.)\]]?'
    r')')
LEN_PATTERN = re.compile(r"\[len:(\d+)\]")
SCORE_PATTERN = re.compile(r"\[score:(-?\d+)\]")
DIMENSION_PATTERN = re.compile(r'<dimension id="([a-z0-9_]+)" scale="(1-5|pass/fail)">')
JUDGE_FIRST_MARKER = "[judge:first]"
FAIL_PATTERN = re.compile(r"\[fail:(400|401|500|429|empty|hang|malformed|truncated|badjudge)(?:x(\d+))?\]")


class Config:
    FIELDS = {
        "latency_ms": float, "jitter_ms": float, "rpm_limit": int,
        "rate_500": float, "rate_malformed": float, "rate_empty": float, "rate_truncated": float,
        "rate_hang": float, "judge_garbage_rate": float,
        "expand_first": str,
        "api_key": str, "models": None, "reasoning": bool, "no_n": bool,
        "judge_word": str, "judge_marker": str, "echo_auth": bool, "models_latency_ms": float, "hold_models": bool,
        "judge_garbage_at_zero": bool, "judge_tokens": int,
        "gen_duplicate_rate": float, "gen_malformed_rate": float, "gen_duplicates_for": str,
        "expand_drops": str, "eval_script": str, "json_object_schema_only": bool,
    }

    def __init__(self, args):
        for name in self.FIELDS:
            setattr(self, name, getattr(args, name))
        self.models = parse_models(args.models)

    def update(self, changes):
        unknown = [key for key in changes if key not in self.FIELDS]
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
        for key, value in changes.items():
            if key == "models":
                self.models = parse_models(value)
            elif value is None:
                setattr(self, key, None if key in ("api_key", "rpm_limit") else self.FIELDS[key]())
            else:
                setattr(self, key, self.FIELDS[key](value))

    def public(self):
        result = {key: getattr(self, key) for key in self.FIELDS if key != "api_key"}
        result["api_key_set"] = bool(self.api_key)
        return result


def parse_models(value):
    if isinstance(value, list):
        return [str(item) for item in value]
    return [item.strip() for item in str(value).split(",") if item.strip()]


class Stats:
    def __init__(self):
        self.reset()
        self.connections_now = 0
        self.concurrent_now = 0

    def reset(self):
        self.requests = 0
        self.by_status = collections.Counter()
        self.by_path = collections.Counter()
        self.concurrent_max = 0
        self.connections_max = 0
        self.connections_total = 0

    def as_json(self):
        return {
            "requests": self.requests, "by_status": {str(k): v for k, v in self.by_status.items()},
            "by_path": dict(self.by_path), "concurrent_now": self.concurrent_now,
            "concurrent_max": self.concurrent_max, "connections_now": self.connections_now,
            "connections_max": self.connections_max, "connections_total": self.connections_total,
        }


class Request:
    __slots__ = ("method", "path", "version", "headers", "body", "received", "delay")

    def __init__(self):
        self.delay = 0.0

    def header(self, name, default=None):
        return self.headers.get(name, default)


class BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class FakeTeacher:
    def __init__(self, config, seed, log_path):
        self.config = config
        self.random = random.Random(seed)
        self.stats = Stats()
        self.window = collections.deque()  # monotonic times of accepted chat completions
        self.fail_counts = collections.Counter()  # (kind, message) -> scripted failures already served
        self.variant_counts = collections.Counter()  # message -> answers given under --no-n
        self.held_models = []  # (answer, entry, connection) of /v1/models requests held by --hold-models
        self.log = open(log_path, "a", buffering=1, encoding="utf-8") if log_path else None
        self.gen_counter = 0  # fresh generation items so far (their words carry it)
        self.gen_fresh = collections.defaultdict(list)  # fields -> fresh items of well-formed answers (copied as duplicates)
        self.expand_served = collections.Counter()  # (seed, mutation line) -> expansion items answered so far
        self.expand_seeds = []  # seeds of expansion requests, in the order first asked about
        self.expand_first_served = False  # --expand-first: answered already
        self.eval_script_cache = (None, {})  # (path, parsed --eval-script)

    # ---- request dispatch ----------------------------------------------------------------------

    def dispatch(self, request, connection):
        """Decides the answer now and sends it after the configured latency (a timer, not a task)."""
        stats = self.stats
        stats.concurrent_now += 1
        stats.concurrent_max = max(stats.concurrent_max, stats.concurrent_now)
        answer, entry = self.decide(request)
        if answer is not None and self.config.echo_auth:
            answer = echo_authorization(request, answer, entry)
        if answer is None:  # a hang: never answer; the connection stays open until the client closes it
            stats.concurrent_now -= 1
            stats.by_status[0] += 1
            entry["status"] = 0
            self.write_log(entry)
            connection.hang()
            return
        if self.config.hold_models and entry["path"] == "/v1/models":
            self.held_models.append((answer, entry, connection))  # answered by {"release_models": true}
            return
        if request.delay > 0:
            asyncio.get_running_loop().call_later(request.delay, self.finish, answer, entry, connection)
        else:
            self.finish(answer, entry, connection)

    def finish(self, answer, entry, connection):
        stats = self.stats
        stats.concurrent_now -= 1
        stats.by_status[answer[0]] += 1
        entry["status"] = answer[0]
        self.write_log(entry)
        connection.respond(*answer)

    def decide(self, request):
        stats = self.stats
        stats.requests += 1
        path = request.path.split("?", 1)[0]
        stats.by_path[path] += 1
        entry = {"t_received": request.received, "method": request.method, "path": path,
                 "auth": "authorization" in request.headers}
        try:
            if path == "/v1/chat/completions" and request.method == "POST":
                answer = self.chat_completions(request, entry)
            elif path == "/v1/models" and request.method == "GET":
                answer = self.list_models(request)
            elif path == "/_control" and request.method == "POST":
                answer = self.control(request)
            elif path == "/_stats" and request.method == "GET":
                answer = (200, [], json.dumps(dict(self.stats.as_json(), held_models=len(self.held_models))).encode())
            elif path in ("/v1/chat/completions", "/v1/models", "/_control", "/_stats"):
                answer = (405, [], json_error(f"{request.method} not allowed on {path}", "invalid_request_error"))
            else:
                answer = (404, [], json_error(f"no route for {path}", "invalid_request_error"))
        except BadRequest as error:
            answer = (error.status, [], json_error(str(error), "invalid_request_error"))
        return answer, entry

    def write_log(self, entry):
        if self.log is not None:
            entry["t"] = time.time()
            self.log.write(json.dumps(entry) + "\n")  # line buffered: flushed per line

    # ---- endpoints ---------------------------------------------------------------------------

    def authorized(self, request):
        key = self.config.api_key
        return not key or request.header("authorization") == "Bearer " + key

    def unauthorized(self):
        return (401, [], json_error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"))

    def list_models(self, request):
        if not self.authorized(request):
            return self.unauthorized()
        request.delay = max(0.0, self.config.models_latency_ms / 1000.0)
        data = [{"id": name, "object": "model", "created": 1700000000, "owned_by": "fake-teacher"}
                for name in self.config.models]
        return (200, [], json.dumps({"object": "list", "data": data}).encode())

    def control(self, request):
        try:
            changes = json.loads(request.body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object")
            for flag, action in (("reset_stats", self.stats.reset), ("reset_rate_window", self.window.clear),
                                 ("reset_fail_markers", self.fail_counts.clear)):
                if changes.pop(flag, False):
                    action()
            if "seed" in changes:
                self.random.seed(changes.pop("seed"))
            release = changes.pop("release_models", False)
            self.config.update(changes)
            if release:
                held, self.held_models = self.held_models, []
                for answer, entry, connection in held:
                    self.finish(answer, entry, connection)
        except (ValueError, TypeError) as error:
            raise BadRequest(400, f"/_control: {error}")
        return (200, [], json.dumps(self.config.public()).encode())

    def chat_completions(self, request, entry):
        config = self.config
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise BadRequest(400, "the body is not valid JSON")
        if not isinstance(payload, dict):
            raise BadRequest(400, "the body must be a JSON object")
        model = payload.get("model")
        messages = payload.get("messages")
        n = payload.get("n", 1)
        seed_text = last_message(messages, "user")
        system_text = last_message(messages, "system")
        # Distillery's own judge prompt opens "You are a strict evaluator"; JUDGE (or --judge-word) marks hand-made ones.
        scoring = "impartial grader" in system_text
        evaluation = "impartial judge" in system_text
        judge = config.judge_word in system_text or "strict evaluator" in system_text or scoring or evaluation
        response_format = payload.get("response_format")
        format_type = response_format.get("type") if isinstance(response_format, dict) else None
        entry.update(model=model, seed=seed_text, n=n, judge=judge, fault=None, temperature=payload.get("temperature"), top_p=payload.get("top_p"),
                     max_tokens=payload.get("max_tokens"), sampling_seed=payload.get("seed"), response_format=format_type,
                     response_schema=isinstance(response_format, dict) and isinstance(response_format.get("schema"), dict))
        if config.json_object_schema_only and format_type not in (None, "text", "json_object"):
            # llama-cpp-python's server: its response_format model takes json_object (with an optional schema) only.
            raise BadRequest(422, f"response_format type {format_type!r} is not supported; use json_object with a schema")
        if not self.authorized(request):
            return self.unauthorized()
        if not isinstance(messages, list) or not messages:
            raise BadRequest(400, "'messages' must be a non-empty array")
        if not isinstance(n, int) or n < 1 or n > 16:
            raise BadRequest(400, "'n' must be an integer from 1 to 16")
        if model not in config.models:
            return (404, [], json_error(f"The model `{model}` does not exist or you do not have access to it.",
                                        "invalid_request_error", "model_not_found"))
        if n > 1 and config.no_n:
            raise BadRequest(400, "'n' greater than 1 is not supported by this model")

        fault = self.scripted_fault(seed_text)
        if fault == "401":  # a key revoked mid-job
            entry["fault"] = "401"
            return self.unauthorized()
        if fault == "429":
            entry["fault"] = "429"
            return (429, [("Retry-After", "1")], json_error("Rate limit reached (scripted).", "rate_limit_error"))
        rate_headers, retry_after = self.take_rate_slot()
        if retry_after is not None:
            entry["fault"] = "rate_limit"
            return (429, rate_headers + [("Retry-After", str(retry_after))],
                    json_error(f"Rate limit reached: {config.rpm_limit} requests per minute.", "rate_limit_error",
                               "rate_limit_exceeded"))
        if fault is None:
            fault = self.random_fault(judge)
        if fault is None and judge and config.judge_garbage_at_zero and not payload.get("temperature") \
                and format_type != "json_object":
            fault = "badjudge"
        entry["fault"] = fault

        delay = config.latency_ms
        if config.jitter_ms:
            delay += self.random.uniform(-config.jitter_ms, config.jitter_ms)
        if fault == "hang":
            return None
        # Everything below is decided now and sent after the delay (see dispatch).
        request.delay = max(0.0, delay / 1000.0)
        if fault == "400":
            return (400, rate_headers, json_error("The request is invalid (scripted).", "invalid_request_error"))
        if fault == "500":
            return (500, rate_headers, json_error("The server had an error while processing your request.", "server_error"))
        if fault == "malformed":
            return (200, rate_headers, b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assi')

        answers = self.answers(seed_text, n, judge, fault)
        if scoring:
            entry["scoring"] = True
            if fault != "badjudge":
                answers = [(scoring_answer(seed_text), "stop")]
        elif evaluation and fault != "badjudge":
            answers = [(evaluation_judge_answer(seed_text, self.eval_script().get("judge", {})), "stop")]
        elif not judge and fault is None:
            scripted = next((text for key, text in self.eval_script().get("student", {}).items() if key in seed_text), None)
            if scripted is not None:
                answers = [(scripted, "stop")]
        shape = None if judge or fault in ("empty", "truncated") else generation_shape(response_format, seed_text)
        if shape is not None:
            answers = [(self.generation_answer(shape, seed_text, entry), "stop")]
        max_tokens = payload.get("max_tokens")
        needed = config.judge_tokens if judge else None
        length = LEN_PATTERN.search(seed_text)
        if length and not judge:
            needed = int(length.group(1))
        choices = []
        completion_tokens = 0
        for index, (content, finish_reason) in enumerate(answers):
            tokens = max(1, math.ceil(len(content) / 4))
            if needed and finish_reason == "stop":
                tokens = needed
                if isinstance(max_tokens, int) and max_tokens < needed:
                    content, finish_reason, tokens = content[: max(1, len(content) // 2)], "length", max_tokens
                    entry["fault"] = entry["fault"] or "length"
            message = {"role": "assistant", "content": content}
            if config.reasoning and not judge:
                message["reasoning_content"] = "Reasoning about: " + seed_text
            choices.append({"index": index, "message": message, "finish_reason": finish_reason})
            completion_tokens += tokens
        prompt_chars = sum(len(m.get("content") or "") for m in messages if isinstance(m, dict) and isinstance(m.get("content"), str))
        body = {
            "id": f"chatcmpl-fake-{self.stats.requests}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": choices,
            "usage": {"prompt_tokens": max(1, math.ceil(prompt_chars / 4)), "completion_tokens": completion_tokens,
                      "total_tokens": max(1, math.ceil(prompt_chars / 4)) + completion_tokens},
        }
        entry["usage"] = body["usage"]
        return (200, rate_headers, json.dumps(body).encode())

    # ---- behaviour helpers ----------------------------------------------------------------------

    def eval_script(self):
        path = self.config.eval_script
        if not path:
            return {}
        if self.eval_script_cache[0] != path:
            with open(path, encoding="utf-8") as handle:
                self.eval_script_cache = (path, json.load(handle))
        return self.eval_script_cache[1]

    def scripted_fault(self, message):
        match = FAIL_PATTERN.search(message)
        if not match:
            return None
        kind, times = match.group(1), int(match.group(2) or 1)
        key = (kind, message)
        if self.fail_counts[key] >= times:
            return None
        self.fail_counts[key] += 1
        return kind

    def random_fault(self, judge):
        config = self.config
        draw = self.random.random
        for kind, rate in (("hang", config.rate_hang), ("500", config.rate_500), ("malformed", config.rate_malformed),
                           ("empty", config.rate_empty), ("truncated", config.rate_truncated)):
            if rate and draw() < rate:
                return kind
        if judge and config.judge_garbage_rate and draw() < config.judge_garbage_rate:
            return "badjudge"
        return None

    def take_rate_slot(self):
        """Returns (x-ratelimit headers, None) when a slot was taken, or (headers, Retry-After seconds)."""
        limit = self.config.rpm_limit
        if not limit:
            return [], None
        now = time.monotonic()
        window = self.window
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= limit:
            reset = max(0.0, window[0] + 60.0 - now)
            headers = [("x-ratelimit-limit-requests", str(limit)), ("x-ratelimit-remaining-requests", "0"),
                       ("x-ratelimit-reset-requests", f"{reset:.3g}s")]
            return headers, max(1, math.ceil(reset))
        window.append(now)
        reset = max(0.0, window[0] + 60.0 - now)
        return [("x-ratelimit-limit-requests", str(limit)),
                ("x-ratelimit-remaining-requests", str(limit - len(window))),
                ("x-ratelimit-reset-requests", f"{reset:.3g}s")], None

    def answers(self, seed_text, n, judge, fault):
        if judge:
            if fault == "badjudge":
                return [("I think they are all rather good, honestly.", "stop")]
            return [(judge_answer(seed_text, self.config.judge_marker), "stop")]
        base = "Answer to: " + seed_text
        if n > 1:
            contents = [f"{base} (candidate {index})" for index in range(n)]
        elif self.config.no_n and fault not in ("empty", "truncated"):
            variant = self.variant_counts[seed_text]
            self.variant_counts[seed_text] += 1
            contents = [f"{base} (candidate {variant})"]
        else:
            contents = [base]
        if fault == "empty":
            return [("", "stop") for _ in contents]
        if fault == "truncated":
            return [(content[: max(1, len(content) // 2)], "length") for content in contents]
        return [(content, "stop") for content in contents]


    def generation_answer(self, shape, seed_text, entry):
        count, fields = shape
        config = self.config
        draw = self.random.random
        markers = [word.strip() for word in (config.gen_duplicates_for or "").split(",") if word.strip()]
        stuck = next((word for word in markers if word in seed_text), None)
        items, fresh, duplicates = [], [], 0
        earlier = self.gen_fresh[tuple(fields)]
        expansion = self.expansion_kinds(seed_text, count)
        if config.expand_first and not self.expand_first_served and EXPAND_SEED_PATTERN.search(seed_text or ""):
            self.expand_first_served = True
            expansion = ["first"] + (expansion or ["fresh"] * count)[1:]
        if expansion is not None:
            entry["expand_kinds"] = expansion
        for position in range(count):
            if expansion is not None and expansion[position] != "fresh":
                item = {fields[0]: self.expansion_item(expansion[position], seed_text)} if fields else {}
            elif stuck is not None:
                item = generation_item(fields, f"stuck {stuck}")
            elif earlier and config.gen_duplicate_rate and draw() < config.gen_duplicate_rate:
                item = earlier[int(draw() * len(earlier))]
                duplicates += 1
            else:
                self.gen_counter += 1
                item = generation_item(fields, str(self.gen_counter))
                fresh.append(item)
            items.append(item)
        malformed = None
        if config.gen_malformed_rate and draw() < config.gen_malformed_rate:
            malformed = "json" if draw() < 0.5 else "field"
        entry.update(gen_items=count, gen_duplicates=duplicates, gen_malformed=malformed)
        if malformed == "json":
            return json.dumps({"items": items})[:-7]
        if malformed == "field":
            broken = dict(items[-1])
            broken.pop(fields[-1], None)
            return json.dumps({"items": items[:-1] + [broken]})
        earlier.extend(fresh)
        return json.dumps({"items": items})

    def expansion_item(self, kind, text):
        """A variation seed expansion must drop, made from the request's seed and mutation."""
        seed = EXPAND_SEED_PATTERN.search(text).group(1)
        mutation = EXPAND_MUTATION_PATTERN.search(text)
        if kind == "first":
            return self.config.expand_first
        if kind == "echo":
            return mutation.group(2) if mutation else text
        if kind == "refusal":
            return "I'm sorry, but I can't help with rewriting this prompt."
        if kind == "refusal_zh":
            return "抱歉，我无法完成这个请求。"
        if kind == "near_copy":
            return seed.upper().rstrip(".?!") + "!!"
        if kind == "near_reworded":
            return seed.rstrip(".?!") + " please?"
        if kind == "too_short":
            return "Why?"
        if kind == "other_seed":
            other = next((known for known in self.expand_seeds if known != seed), None)
            if other is None:
                raise BadRequest(400, "--expand-drops other_seed: no other seed was asked about yet")
            return other
        raise BadRequest(400, f"unknown --expand-drops kind {kind!r}; the kinds are: {', '.join(EXPAND_KINDS)}")

    def expansion_kinds(self, text, count):
        """Each of the answer's items' kind under --expand-drops, or None when it is off or `text` holds no seed."""
        drops = [kind.strip() for kind in (self.config.expand_drops or "").split(",") if kind.strip()]
        seed = EXPAND_SEED_PATTERN.search(text or "")
        if not drops or not seed:
            return None
        mutation = EXPAND_MUTATION_PATTERN.search(text)
        if seed.group(1) not in self.expand_seeds:
            self.expand_seeds.append(seed.group(1))
        key = (seed.group(1), mutation.group(0) if mutation else "")
        served = self.expand_served[key]
        self.expand_served[key] += count
        return [drops[served + position] if served + position < len(drops) else "fresh" for position in range(count)]


GEN_COUNT_PATTERN = re.compile(r"holding exactly (\d+) items?, each \{([^}]*)\}")
GEN_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def generation_shape(response_format, text):
    """(N, the item's fields) for a generation request, else None."""
    schema = None
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
    elif isinstance(response_format, dict) and response_format.get("type") == "json_object" and isinstance(response_format.get("schema"), dict):
        schema = response_format["schema"]
    if schema is not None:
        items = ((schema.get("properties") or {}).get("items")) or {}
        if items.get("type") == "array" and isinstance(items.get("minItems"), int):
            fields = (items.get("items") or {}).get("required") or []
            return items["minItems"], [str(field) for field in fields]
    match = GEN_COUNT_PATTERN.search(text or "")
    if match:
        return int(match.group(1)), re.findall(r'"(\w+)"', match.group(2))
    return None


EXPAND_SEED_PATTERN = re.compile(r"^<<<\n(.*?)\n>>>$", re.S | re.M)
EXPAND_MUTATION_PATTERN = re.compile(r"^Change to make \(([a-z_]+)\): (.*)$", re.M)
EXPAND_KINDS = ("echo", "refusal", "refusal_zh", "near_copy", "near_reworded", "too_short", "other_seed")


def generation_item(fields, tag):
    """One item of the asked shape whose every word carries `tag`."""
    def words(offset):
        return " ".join(f"{word}{tag}" for word in GEN_WORDS[offset:] + GEN_WORDS[:offset])
    item = {}
    for position, field in enumerate(fields):
        if field == "turns":
            item[field] = [{"role": "user", "content": words(0) + "?"}, {"role": "assistant", "content": words(3) + "."}]
        else:
            item[field] = words(position) + ("?" if field in ("question", "prompt") else ".")
    return item


ECHO_PLACEHOLDER = "@@ECHO_AUTHORIZATION@@"


def echo_authorization(request, answer, entry):
    """--echo-auth: puts the received Authorization header into the answer (see the module docstring)."""
    status, headers, body = answer
    auth = request.header("authorization", "")
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        payload["error"]["message"] = f"{payload['error'].get('message', '')} You sent: {ECHO_PLACEHOLDER}"
    elif isinstance(payload, dict) and isinstance(payload.get("choices"), list) and not entry.get("judge"):
        for choice in payload["choices"]:
            message = choice.get("message") or {}
            if isinstance(message.get("content"), str) and message["content"]:
                message["content"] += f" (you sent: {auth})"
    if isinstance(payload, dict):
        forms = [json.dumps(auth)[1:-1], urllib.parse.quote(auth, safe=""),
                 "".join(f"\\u{ord(c):04x}" for c in auth), json.dumps(auth)[1:-1].replace("/", "\\/")]
        body = json.dumps(payload).replace(ECHO_PLACEHOLDER, " | ".join(forms)).encode()
    return (status, headers + [("X-Echo-Authorization", auth)], body)


def judge_answer(text, marker):
    labels = list(LABEL_PATTERN.finditer(text))
    if not labels:
        return json.dumps({"best": 1, "reason": "no candidate labels found; picked 1"})
    if JUDGE_FIRST_MARKER in text:
        # Pure position bias: whatever is shown first wins, so the swap check's reversed prompt picks another candidate.
        return json.dumps({"best": 1, "reason": "picked the first candidate shown"})
    blocks = []
    for position, match in enumerate(labels):
        number = int(next(group for group in match.groups() if group is not None))
        end = labels[position + 1].start() if position + 1 < len(labels) else len(text)
        blocks.append((number, text[match.end():end]))
    for number, block in blocks:
        if marker and marker in block:
            return json.dumps({"best": number, "reason": f"candidate {number} contains the marker"})
    best = max(number for number, _ in blocks)
    return json.dumps({"best": best, "reason": f"no candidate has the marker; picked the highest, {best}"})


def scoring_answer(text):
    """A judge scoring verdict: per dimension listed, its reasoning first, then its score."""
    forced = SCORE_PATTERN.search(text)
    verdict = {}
    for dimension, scale in DIMENSION_PATTERN.findall(text):
        if scale == "1-5":
            score = int(forced.group(1)) if forced else 4
        else:
            score = "pass"
        verdict[dimension] = {"reasoning": f"Reasoning about {dimension}: the answer was read in full.", "score": score}
    return json.dumps(verdict)


def tagged_block(text, tag):
    match = re.search(f"<{tag}>\\n(.*?)\\n</{tag}>", text, re.S)
    return match.group(1) if match else ""


def evaluation_judge_answer(text, script):
    """Distillery's evaluation judge prompts, answered from the script (see the module docstring)."""
    def entry_for(answer):
        return next((value for key, value in script.items() if key in answer), None)

    if "<student_answer>" in text:
        entry = entry_for(tagged_block(text, "student_answer")) or {}
        failing = set(entry.get("fail", []))
        dimensions = re.findall(r"(?m)^- ([a-z][a-z0-9_]*):", tagged_block(text, "dimensions"))
        verdicts = [{"dimension": d, "reasoning": f"scripted: {'fails' if d in failing else 'passes'}", "pass": d not in failing}
                    for d in dimensions]
        return json.dumps({"verdicts": verdicts, "failure": entry.get("phrase", "") if failing else ""})
    first, second = tagged_block(text, "answer_a"), tagged_block(text, "answer_b")
    entry, student = entry_for(first), "A"
    if entry is None:
        entry, student = entry_for(second), "B"
    prefers = (entry or {}).get("prefers", "tie")
    winner = {"student": student, "reference": "B" if student == "A" else "A", "first": "A"}.get(prefers, "tie")
    return json.dumps({"reasoning": f"scripted: prefers {prefers}", "winner": winner})


def last_message(messages, role):
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == role:
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):  # content parts: keep the text parts
                return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def json_error(message, kind, code=None):
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}}).encode()


# ---- HTTP/1.1 ---------------------------------------------------------------------------------------

class HTTPConnection(asyncio.Protocol):
    """One client connection. Requests are answered one at a time and in order (HTTP/1.1 without
    pipelining, as libcurl sends them); bytes of a next request wait in the buffer meanwhile. A Protocol
    rather than asyncio streams: no task, no coroutine and no future per request, which is what lets one
    core answer thousands of delayed requests per second."""

    def __init__(self, teacher):
        self.teacher = teacher
        self.buffer = bytearray()
        self.transport = None
        self.busy = False  # a request is being answered (or hangs)
        self.closed = False
        self.keep_alive = True
        self.processing = False
        self.continue_sent = False

    def connection_made(self, transport):
        self.transport = transport
        stats = self.teacher.stats
        stats.connections_now += 1
        stats.connections_total += 1
        stats.connections_max = max(stats.connections_max, stats.connections_now)

    def connection_lost(self, exc):
        self.closed = True
        self.teacher.stats.connections_now -= 1

    def data_received(self, data):
        if self.closed:
            return
        self.buffer += data
        if not self.busy:
            self.process()

    def process(self):
        if self.processing:
            return
        self.processing = True
        try:
            while not self.busy and not self.closed and self.buffer:
                try:
                    request = parse_request(self)
                except BadRequest as error:
                    self.transport.write(encode_response(error.status, [], json_error(str(error), "invalid_request_error"), False))
                    self.close()
                    return
                if request is None:
                    return
                self.busy = True
                self.continue_sent = False
                self.keep_alive = wants_keep_alive(request)
                self.teacher.dispatch(request, self)
        finally:
            self.processing = False

    def respond(self, status, headers, body):
        if self.closed:
            return
        self.transport.write(encode_response(status, headers, body, self.keep_alive))
        self.busy = False
        if not self.keep_alive:
            self.close()
        elif self.buffer:
            self.process()

    def hang(self):
        self.buffer.clear()  # stays busy: whatever the client sends next is ignored

    def close(self):
        if not self.closed:
            self.closed = True
            self.transport.close()


def parse_request(connection):
    """Takes one complete request off the connection's buffer; None while it is incomplete."""
    buffer = connection.buffer
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        if len(buffer) > MAX_HEAD_BYTES:
            raise BadRequest(431, "the request head is too large")
        return None
    lines = bytes(buffer[:head_end]).decode("latin-1").split("\r\n")
    while lines and not lines[0]:  # tolerate stray CRLFs between requests
        lines.pop(0)
    parts = lines[0].split(" ") if lines else []
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, "malformed request line")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise BadRequest(400, "malformed header line")
        headers[name.strip().lower()] = value.strip()
    body_start = head_end + 4
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parsed = parse_chunked(buffer, body_start)
        if parsed is None:
            send_continue(connection, headers)
            return None
        body, end = parsed
    else:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise BadRequest(400, "bad Content-Length")
        if length < 0 or length > MAX_BODY_BYTES:
            raise BadRequest(413, "the body is too large")
        end = body_start + length
        if len(buffer) < end:
            send_continue(connection, headers)
            return None
        body = bytes(buffer[body_start:end])
    del buffer[:end]
    request = Request()
    request.received = time.time()
    request.method, request.path, request.version = parts
    request.headers = headers
    request.body = body
    return request


def send_continue(connection, headers):
    if not connection.continue_sent and headers.get("expect", "").lower() == "100-continue":
        connection.continue_sent = True
        connection.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")


def parse_chunked(buffer, position):
    """(body, end offset) of a complete chunked body starting at `position`, or None if incomplete."""
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        try:
            size = int(bytes(buffer[position:line_end]).split(b";", 1)[0].strip() or b"0", 16)
        except ValueError:
            raise BadRequest(400, "bad chunk size")
        position = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", line_end)  # the empty line ending the trailers
            if trailer_end < 0:
                return None
            return bytes(body), trailer_end + 4
        if len(buffer) < position + size + 2:
            return None
        body += buffer[position:position + size]
        position += size + 2
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest(413, "the body is too large")


def wants_keep_alive(request):
    connection = request.headers.get("connection", "").lower()
    if request.version == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"


def encode_response(status, headers, body, keep_alive):
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}",
             "Content-Type: application/json", f"Content-Length: {len(body)}",
             "Connection: keep-alive" if keep_alive else "Connection: close"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# ---- main ---------------------------------------------------------------------------------------------

def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible teacher for tests (see the module docstring).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--rpm-limit", type=int, default=None)
    parser.add_argument("--rate-500", type=float, default=0.0)
    parser.add_argument("--rate-malformed", type=float, default=0.0)
    parser.add_argument("--rate-empty", type=float, default=0.0)
    parser.add_argument("--rate-truncated", type=float, default=0.0)
    parser.add_argument("--rate-hang", type=float, default=0.0)
    parser.add_argument("--judge-garbage-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--models", default="fake-teacher,fake-judge,fake-reasoner")
    parser.add_argument("--reasoning", action="store_true")
    parser.add_argument("--no-n", action="store_true")
    parser.add_argument("--judge-word", default="JUDGE")
    parser.add_argument("--judge-marker", default="(candidate 2)")
    parser.add_argument("--echo-auth", action="store_true")
    parser.add_argument("--models-latency-ms", type=float, default=0.0)
    parser.add_argument("--hold-models", action="store_true", help="hold GET /v1/models until /_control release_models")
    parser.add_argument("--judge-garbage-at-zero", action="store_true")
    parser.add_argument("--judge-tokens", type=int, default=None)
    parser.add_argument("--gen-duplicate-rate", type=float, default=0.0)
    parser.add_argument("--gen-malformed-rate", type=float, default=0.0)
    parser.add_argument("--gen-duplicates-for", default=None, help="comma-separated words: prompts with one answer one item, always")
    parser.add_argument("--expand-drops", default=None, help=f"comma-separated kinds ({', '.join(EXPAND_KINDS)}): "
                        "the first items answered for each seed and mutation of a seed-expansion request")
    parser.add_argument("--eval-script", default=None, help="JSON {\"student\": {...}, \"judge\": {...}} for evaluation runs")
    parser.add_argument("--expand-first", default=None, help="the first item of the first seed-expansion answer, verbatim")
    parser.add_argument("--json-object-schema-only", action="store_true",
                        help="refuse a response_format other than json_object (with an optional schema), as llama-cpp-python does")
    parser.add_argument("--log", default=None, help="append one JSON line per request to this file")
    return parser.parse_args(argv)


def raise_file_limit():
    # 1,000+ keep-alive connections need more descriptors than the common soft limit of 1,024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
        except (ValueError, OSError):
            pass


async def main(argv):
    args = parse_arguments(argv)
    raise_file_limit()
    teacher = FakeTeacher(Config(args), args.seed, args.log)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HTTPConnection(teacher), args.host, args.port, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"LISTENING {port}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    # A parent whose threads block signals (libdispatch does) passes that mask on: SIGTERM would stay
    # pending forever and the server would never stop.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # If the test or benchmark that started us dies without stopping us, we get a new parent: exit too.
    parent = os.getppid()

    def watch_parent():
        if os.getppid() != parent:
            stop.set()
        else:
            loop.call_later(1.0, watch_parent)

    loop.call_later(1.0, watch_parent)
    await stop.wait()
    # Exit at once: in-flight handlers (sleeping, hanging) would otherwise print their cancellation.
    if teacher.log is not None:
        teacher.log.flush()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
