#!/usr/bin/env bash
# test_luma.sh BUILD_DIR - runs tests/test_luma.py with the first python3 on PATH that has numpy
# and h5py (a pyenv or venv python3 may lack the Debian python3-numpy/python3-h5py modules that
# tools/setup installs).
set -u
B=${1:?usage: test_luma.sh BUILD_DIR}
py=
for p in $(type -ap python3); do
  if "$p" -c 'import numpy, h5py' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "FAIL: no python3 with numpy and h5py on PATH (tools/setup installs python3-numpy python3-h5py)"; exit 1; }
exec "$py" "$(dirname "$0")/test_luma.py" "$B/csrc/miles" "$B/tests/luma-load"
