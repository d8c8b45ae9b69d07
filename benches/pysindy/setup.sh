#!/usr/bin/env sh
# Creates .venv-bench/ at the repository root with PySINDy 2.1 for `mechc bench discovery`.
# Usage: benches/pysindy/setup.sh   (from anywhere; needs python3 >= 3.10 and network access)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.venv-bench"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
"$venv/bin/python" -c "import pysindy; print('pysindy', pysindy.__version__, 'ready in $venv')"
