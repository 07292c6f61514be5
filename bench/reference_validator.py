#!/usr/bin/env python3
"""Reference chat-mode validator for the distillery-bench comparison.

Applies the same rules as the Swift validator (README "Validation rules") with json.loads per line,
and prints one parseable result line:

    RESULT seconds=<s> mb_per_s=<x> bytes=<n> lines=<n> examples=<n> invalid_lines=<n> errors=<n> loads_only_seconds=<s>

Timing is measured inside Python (start-up excluded). `loads_only_seconds` is a second pass that runs
json.loads alone, for context.
"""
import json
import math
import sys
import time

MAX_CONTENT = 65_536
MIN_EXAMPLES = 100
CONTEXT_WINDOW = 131_072
ROLES = ("system", "user", "assistant")


class LineProblem(Exception):
    pass


def reject_constant(name):
    raise ValueError("non-standard constant " + name)


def no_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        raise LineProblem("duplicate_key")
    return result


def estimate(text):
    if text.isascii():
        return (len(text) + 3) // 4, len(text)
    encoded = text.encode("utf-8")  # raises on lone surrogates
    ascii_count = len(text.encode("ascii", "ignore"))
    return (ascii_count + 3) // 4 + (len(text) - ascii_count), len(encoded)


def check_content(value, errors):
    if not isinstance(value, str):
        errors.append("content_not_string")
        return 0
    if value == "":
        errors.append("empty_content")
        return 0
    tokens, size = estimate(value)
    if size > MAX_CONTENT:
        errors.append("content_too_large")
    return tokens + 4


def validate_row(text):
    row = json.loads(text, parse_constant=reject_constant, object_pairs_hook=no_duplicates)
    if not isinstance(row, dict):
        return ["not_an_object"], 0, None
    errors = []
    messages = row.get("messages")
    if "messages" not in row:
        return ["missing_messages"], 0, None
    if not isinstance(messages, list):
        return ["messages_not_array"], 0, None
    if not messages:
        return ["empty_messages"], 0, None
    tokens = 0
    last_role = None
    users = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            errors.append("message_not_object")
            last_role = None
            continue
        role = message.get("role")
        if "role" not in message:
            errors.append("missing_role")
            role = None
        elif role not in ROLES:
            errors.append("invalid_role")
            role = None
        elif index == 0 and role != "system":
            errors.append("first_role_not_system")
        if "content" not in message:
            errors.append("missing_content")
        else:
            tokens += check_content(message["content"], errors)
            if role == "user" and isinstance(message["content"], str):
                users.append(message["content"])
        last_role = role
    if "completion" in row:
        completion = row["completion"]
        if not isinstance(completion, str):
            errors.append("completion_not_string")
        else:
            tokens += check_content(completion, errors)
        if last_role == "assistant":
            errors.append("completion_conflict")
    elif last_role is not None and last_role != "assistant":
        errors.append("missing_assistant_turn")
    if not errors and tokens > CONTEXT_WINDOW:
        errors.append("context_window_exceeded")
    return errors, tokens, ("\x00".join(users) if users else None)


def validate(path):
    lines = examples = invalid = error_count = blank = 0
    seen_users = {}
    duplicates = 0
    count = 0
    mean = 0.0
    m2 = 0.0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            lines = number
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            raw = raw.rstrip(b"\n")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if not raw.strip(b" \t"):
                blank += 1
                continue
            try:
                errors, tokens, users = validate_row(raw.decode("utf-8"))
            except (ValueError, LineProblem, RecursionError):
                errors, tokens, users = ["invalid_json"], 0, None
            if errors:
                invalid += 1
                error_count += min(len(errors), 10)
                continue
            examples += 1
            if users is not None:
                if users in seen_users:
                    duplicates += 1
                else:
                    seen_users[users] = number
            count += 1
            delta = tokens - mean
            mean += delta / count
            m2 += delta * (tokens - mean)
    cv = math.sqrt(m2 / count) / mean if count and mean else 0.0
    return {"lines": lines, "examples": examples, "invalid_lines": invalid, "errors": error_count,
            "blank": blank, "duplicates": duplicates, "cv": cv,
            "dataset_error": examples < MIN_EXAMPLES}


def loads_only(path):
    with open(path, "rb") as handle:
        for raw in handle:
            try:
                json.loads(raw)
            except ValueError:
                pass


def main():
    if len(sys.argv) != 2:
        print("usage: reference_validator.py FILE.jsonl", file=sys.stderr)
        return 2
    path = sys.argv[1]
    start = time.perf_counter()
    result = validate(path)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    loads_only(path)
    loads_seconds = time.perf_counter() - start
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
    print("RESULT seconds=%.4f mb_per_s=%.1f bytes=%d lines=%d examples=%d invalid_lines=%d errors=%d "
          "duplicates=%d loads_only_seconds=%.4f"
          % (seconds, size / 1e6 / seconds, size, result["lines"], result["examples"], result["invalid_lines"],
             result["errors"], result["duplicates"], loads_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
