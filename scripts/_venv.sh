# Sourced by scripts/serve and scripts/test: make .venv with the project installed, once.
# Reinstalls only when pyproject.toml changed since the last install. Says what it is doing:
# the first install takes a minute or two.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv..."
  "$python" -m venv .venv || {
    echo "Could not create a virtual environment: on Debian or Ubuntu, apt-get install python3-venv" >&2
    exit 1
  }
fi

# Run pip showing one line per step instead of its full output: on a terminal the line is
# rewritten in place, in a log (CI) a count every 20 packages. Everything pip said is kept and
# printed if it fails.
pip_install() {
  local log status
  log="$(mktemp)"
  set +e
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off "$@" 2>&1 \
    | tee "$log" | _pip_progress
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    echo "pip failed; its output:" >&2
    cat "$log" >&2
    rm -f "$log"
    return "$status"
  fi
  rm -f "$log"
}

_pip_progress() {
  local line count=0 tty=0
  [ -t 1 ] && tty=1
  while IFS= read -r line; do
    case "$line" in
      Collecting*|"Installing collected packages"*)
        [[ "$line" == Collecting* ]] && count=$((count + 1))
        if [ "$tty" = 1 ]; then
          printf '\r\033[K  [%d] %.70s' "$count" "$line"
        elif [[ "$line" == Installing* ]]; then
          echo "  $([ "$count" -gt 0 ] && echo "collected: $count; ")installing..."
        elif [ $((count % 20)) = 0 ]; then
          echo "  collected: $count..."
        fi
        ;;
    esac
  done
  [ "$tty" = 1 ] && printf '\r\033[K'
  return 0
}

hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=.venv/.installed-$hash-${1:-run}
if [ ! -f "$stamp" ]; then
  if ls .venv/.installed-"$hash"-* >/dev/null 2>&1; then
    echo "Installing the packages the ${1:-run} command also needs into .venv..."
  elif ls .venv/.installed-* >/dev/null 2>&1; then
    echo "pyproject.toml changed: updating the Python packages in .venv..."
  else
    echo "Installing Python packages into .venv (first run, about 2 minutes)..."
  fi
  pip_install --upgrade pip
  if [ "${1:-run}" = test ]; then pip_install -e '.[test]'; else pip_install -e .; fi
  touch "$stamp"
  echo "Python packages installed."
fi
