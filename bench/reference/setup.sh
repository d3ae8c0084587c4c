#!/usr/bin/env bash
# One-time set-up of the Python reference for bench/reference/run.sh on Debian 12 (bookworm); see
# docs/reference-benchmark.md. Installs Debian's PyTorch 1.13 and the pure-Python packages the sources import,
# then clones diffusers, transformers and huggingface_hub at the tags the goldens were made with into
# REFBENCH_SRC (default ~/.cache/sprint-refbench). Nothing comes from PyPI; the Rust wheels (safetensors,
# tokenizers) are replaced by the stand-ins in bench/reference/shims/.
#   bench/reference/setup.sh            # apt packages + clones
#   bench/reference/setup.sh --no-apt   # clones only (packages already there)
set -euo pipefail
dest="${REFBENCH_SRC:-$HOME/.cache/sprint-refbench}"

if [[ "${1:-}" != "--no-apt" ]]; then
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends git python3 python3-torch libopenblas0-pthread python3-numpy \
      python3-pil python3-regex python3-filelock python3-importlib-metadata python3-packaging python3-tqdm \
      python3-fsspec python3-yaml python3-requests python3-typing-extensions
fi

mkdir -p "$dest"
clone() { # name tag
  if [[ -d "$dest/$1/src/$1" ]]; then
    echo "$dest/$1: already there ($(git -C "$dest/$1" describe --tags --always 2>/dev/null || echo 'not a git clone'))"
  else
    git clone --depth 1 --branch "$2" "https://github.com/huggingface/$1" "$dest/$1"
  fi
}
clone diffusers v0.35.2
clone transformers v4.47.0
clone huggingface_hub v0.35.3
echo "sources in $dest; run: REFBENCH_SRC=$dest bench/reference/run.sh --model DIR ..."
