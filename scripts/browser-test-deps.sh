#!/usr/bin/env bash
# Installs what the browser tests (Tests/Browser) need, and only what is missing, so a second run takes
# a second: Debian's chromium (Playwright drives this system browser and downloads none) and Playwright
# for Python with pytest in a virtual environment outside the work tree (kept between clones), and Hugging Face
# `datasets`, which Tests/Browser/test_bundle.py loads the trainer bundle with.
# Knobs: BROWSER_VENV (default ~/.cache/distillery/browser-venv), PYTHON (default python3).
set -euo pipefail
VENV=${BROWSER_VENV:-${HOME:-/root}/.cache/distillery/browser-venv}
PYTHON=${PYTHON:-python3}
PLAYWRIGHT_VERSION=1.65.2
PYTEST_VERSION=9.2.0
DATASETS_VERSION=5.2.0
APT_PACKAGES=(chromium fonts-dejavu-core)
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

apt_install() {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

if ! dpkg -s "${APT_PACKAGES[@]}" >/dev/null 2>&1; then
    apt_install "${APT_PACKAGES[@]}"
fi

installed() {
    "$VENV/bin/python" - "$PLAYWRIGHT_VERSION" "$PYTEST_VERSION" "$DATASETS_VERSION" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if (version("playwright"), version("pytest"), version("datasets")) == tuple(sys.argv[1:4]) else 1)
PY
}

if ! installed; then
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        apt_install python3-venv   # Debian's python3 keeps venv in a separate package
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "playwright==$PLAYWRIGHT_VERSION" "pytest==$PYTEST_VERSION" \
        "datasets==$DATASETS_VERSION"
fi
