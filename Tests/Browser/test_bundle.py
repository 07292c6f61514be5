"""The trainer bundle read by the real tools: a chat dataset uploaded through the API, split, its bundle downloaded
and unzipped, then loaded with Hugging Face `datasets` (from PyPI, installed by scripts/browser-test-deps.sh).
Every expectation comes from the uploaded lines and the README's split rule, never from the server's answers."""

import io
import json
import math
import os
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import API, find_key

SPLITS = ("train", "validation", "test")


def uploaded_lines(count):
    """Distinct prompts (no near duplicates), with escapes, non-ASCII text, a comma and a multi-turn row."""
    lines = []
    for index in range(count):
        messages = [
            {"role": "system", "content": "You answer billing questions, \"briefly\"."},
            {"role": "user", "content": f"Invoice {index} × {index * 37 % 101}: why was card ending {1000 + index} charged twice, in € or $?\n日本 😀"},
            {"role": "assistant", "content": f"Refund #{index}: the second charge is a hold,\r\nreleased in {index % 5 + 1} days."},
        ]
        if index % 9 == 0:
            messages += [{"role": "user", "content": f"And follow-up {index}?"}, {"role": "assistant", "content": "Yes."}]
        lines.append({"messages": messages})
    return lines


def quotas(count, fractions):
    """README "Splits": floor of N × fraction, then the rows left over to the largest remainders, ties in split order."""
    exact = [count * f for f in fractions]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(3), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: count - sum(counts)]:
        if fractions[i] > 0:
            counts[i] += 1
    return dict(zip(SPLITS, counts))


def upload(api, lines, name):
    body = ("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n").encode()
    created = api.call("POST", "/api/datasets?name=" + urllib.request.quote(name) + "&mode=chat", body, "application/jsonl")
    dataset = find_key(created, "id")
    api.eventually(f"/api/datasets/{dataset}", lambda d: find_key(d, "status") not in ("validating", "queued"),
                   what=f"validation of dataset {dataset}")
    return dataset


def download_bundle(api, dataset, folder):
    request = urllib.request.Request(f"{api.base}/datasets/{dataset}/export?format=bundle")
    request.add_header("Authorization", "Bearer " + api.token)
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    assert archive.testzip() is None
    archive.extractall(folder)
    return sorted(archive.namelist())


def load(folder):
    """`datasets.load_dataset` on the unzipped folder, offline, with a cache of its own."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    import datasets  # noqa: PLC0415 (after the offline switches)
    return datasets.load_dataset(str(Path(folder).resolve()), cache_dir=str(Path(folder).parent / "hf-cache"))


@pytest.fixture
def api(server, admin_state):
    return API(server.base, admin_state["token"])


def check_configs(folder, files):
    info = json.loads((folder / "dataset_info.json").read_text())
    assert sorted(entry["file_name"] for entry in info.values()) == sorted(files)
    for entry in info.values():
        assert entry["formatting"] == "sharegpt"
        assert entry["columns"] == {"messages": "messages"}
        assert entry["tags"] == {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                                 "assistant_tag": "assistant", "system_tag": "system"}
    axolotl = yaml.safe_load((folder / "axolotl.yaml").read_text())
    entries = axolotl["datasets"] + axolotl.get("test_datasets", [])
    assert sorted(entry["path"] for entry in entries) == sorted(files)
    assert [entry["path"] for entry in axolotl["datasets"]] == ["train.jsonl"]
    for entry in entries:
        assert (folder / entry["path"]).is_file()
        assert entry["type"] == "chat_template" and entry["field_messages"] == "messages"
        assert entry["roles_to_train"] == ["assistant"]


def test_a_split_bundle_loads_with_datasets(api):
    lines = uploaded_lines(120)
    dataset = upload(api, lines, "bundle for datasets")
    api.call("PUT", f"/api/datasets/{dataset}/split", {"train": 0.8, "validation": 0.1, "test": 0.1, "seed": 11})
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "bundle"
        names = download_bundle(api, dataset, folder)
        files = [f"{split}.jsonl" for split in SPLITS]
        assert names == sorted(files + ["README.md", "axolotl.yaml", "dataset_info.json", "provenance.json"])
        check_configs(folder, files)

        loaded = load(folder)
        assert sorted(loaded.keys()) == sorted(SPLITS)
        expected_counts = quotas(len(lines), (0.8, 0.1, 0.1))
        by_prompt = {line["messages"][1]["content"]: line for line in lines}
        seen = []
        for split in SPLITS:
            assert loaded[split].num_rows == expected_counts[split], split
            rows = list(loaded[split])
            # The first row is an uploaded row, every message the same to the byte; the rest keep upload order.
            first = rows[0]
            assert first == by_prompt[first["messages"][1]["content"]], split
            positions = [lines.index(row) for row in rows]
            assert positions == sorted(positions), f"{split} keeps the upload's order"
            seen += positions
        assert sorted(seen) == list(range(len(lines))), "every uploaded row is in exactly one split"


def test_an_unsplit_bundle_loads_as_one_train_split(api):
    lines = uploaded_lines(105)
    dataset = upload(api, lines, "unsplit bundle")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "bundle"
        names = download_bundle(api, dataset, folder)
        assert names == ["README.md", "axolotl.yaml", "dataset_info.json", "provenance.json", "train.jsonl"]
        check_configs(folder, ["train.jsonl"])
        loaded = load(folder)
        assert list(loaded.keys()) == ["train"]
        assert loaded["train"].num_rows == len(lines)
        assert loaded["train"][0] == lines[0]
        assert loaded["train"][len(lines) - 1] == lines[-1]
