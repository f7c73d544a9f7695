# Sourced by scripts/serve and scripts/test: make .venv with the project installed, once.
# Reinstalls only when pyproject.toml changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv || {
    echo "Could not create a virtual environment: on Debian or Ubuntu, apt-get install python3-venv" >&2
    exit 1
  }
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${1:-run}
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "${1:-run}" = test ]; then .venv/bin/python -m pip install -q -e '.[test]'; else .venv/bin/python -m pip install -q -e .; fi
  touch "$stamp"
fi
