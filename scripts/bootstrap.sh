#!/usr/bin/env bash
# Creates .venv with a Python 3.10 interpreter and installs the pinned dependencies.
# Rasa 3.6 refuses Python 3.11+, so this looks for 3.10 by itself:
#   1. $PYTHON, when set (it must be a 3.10);
#   2. python3.10 on PATH (pyenv's shim answers thanks to .python-version);
#   3. any 3.10.x that pyenv has installed (pyenv prefix);
#   4. /usr/bin/python3.10 and /usr/local/bin/python3.10.
set -euo pipefail
cd "$(dirname "$0")/.."

is_py310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

find_python() {
  if [ -n "${PYTHON:-}" ]; then
    if is_py310 "$PYTHON"; then echo "$PYTHON"; return 0; fi
    echo "error: PYTHON=$PYTHON is not a Python 3.10 interpreter (Rasa 3.6 needs 3.10)." >&2
    return 1
  fi
  if command -v python3.10 >/dev/null 2>&1 && is_py310 python3.10; then command -v python3.10; return 0; fi
  if command -v pyenv >/dev/null 2>&1; then
    local version prefix
    for version in $(cat .python-version 2>/dev/null) $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
      prefix=$(pyenv prefix "$version" 2>/dev/null) || continue
      if is_py310 "$prefix/bin/python"; then echo "$prefix/bin/python"; return 0; fi
    done
  fi
  for candidate in /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if [ -x "$candidate" ] && is_py310 "$candidate"; then echo "$candidate"; return 0; fi
  done
  cat >&2 <<'MSG'
error: no Python 3.10 interpreter found. Rasa Open Source 3.6 runs on Python 3.10 only.
Install one (for example `pyenv install 3.10.13`, or your distribution's python3.10 package)
or point to it with `make PYTHON=/path/to/python3.10 ...`.
MSG
  return 1
}

python=$(find_python)
echo "Using $("$python" -V 2>&1) at $python"
if [ ! -x .venv/bin/python ] || ! is_py310 .venv/bin/python; then
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
.venv/bin/python -m pip install --disable-pip-version-check --quiet \
  -c requirements.lock -e ".[test]"
# Marks the install as matching these dependency files (the Makefile compares timestamps).
# The inbox's browser test drives Debian's Chromium through Playwright (no browser download).
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the inbox browser test ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
  else
    echo "warning: no chromium found; install Debian's chromium package (or set CHROMIUM_PATH)" \
      "for the inbox browser test" >&2
  fi
fi
touch .venv/.installed
echo "Installed into .venv"
