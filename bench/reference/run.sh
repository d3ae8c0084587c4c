#!/usr/bin/env bash
# Times the Python reference (diffusers' SanaSprintPipeline) on a diffusers folder; see docs/reference-benchmark.md.
#   bench/reference/run.sh --model /tmp/sana06b --dtype bfloat16 --threads 2 --json /tmp/ref-bf16.json
# Sources: REFBENCH_SRC (default ~/.cache/sprint-refbench) holds diffusers/, transformers/, huggingface_hub/
# (git clones at the tags bench/reference/setup.sh checks out). Python: Debian's /usr/bin/python3 with
# python3-torch (a pyenv or venv python on PATH would not see the Debian packages).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export REFBENCH_SRC="${REFBENCH_SRC:-$HOME/.cache/sprint-refbench}"
python="${REFBENCH_PYTHON:-/usr/bin/python3}"

# The thread count must reach OpenMP/OpenBLAS before torch loads, not only torch.set_num_threads.
threads=""
prev=""
for a in "$@"; do
  [[ "$prev" == "--threads" ]] && threads="$a"
  [[ "$a" == --threads=* ]] && threads="${a#--threads=}"
  prev="$a"
done
if [[ -n "$threads" ]]; then
  export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
fi
# No network: never let huggingface_hub try the Hub (the folder is local).
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DIFFUSERS_NO_ADVISORY_WARNINGS=1 TOKENIZERS_PARALLELISM=false
exec "$python" "$here/sana_sprint_reference.py" "$@"
