# Sourced by scripts/demo.sh and scripts/test.sh: make .venv with Python 3.11 and install.
# Usage: bootstrap_venv "<pip extras spec>"
set -euo pipefail

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      command -v "$candidate"; return 0
    fi
  done
  echo "boardsvc needs Python 3.11 (python3.11 or python3 on PATH)." >&2
  return 1
}

apt_install() {
  # Debian packages the project needs; only when missing and when we can install them.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "Please install these Debian packages first: ${missing[*]}" >&2; return 1; fi
  fi
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Progress lines, so a long first run never looks stuck.
step() { echo "==> $*"; }

bootstrap_venv() {
  local spec="$1"
  local py; py=$(find_python)
  if [ ! -x .venv/bin/python ]; then
    step "Creating .venv with $py"
    if ! "$py" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      apt_install python3-venv python3.11-venv || true
      "$py" -m venv .venv
    fi
  fi
  local stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-$(echo "$spec" | tr -c 'a-z' '_')"
  if [ ! -f "$stamp" ]; then
    step "Installing boardsvc and its dependencies into .venv (first run: a few minutes)"
    echo "    upgrading pip ..."
    .venv/bin/python -m pip install -q --upgrade pip
    # pip prints each package as it is collected and a progress bar for each download.
    .venv/bin/python -m pip install --progress-bar on -e "$spec"
    touch "$stamp"
    echo "    installed."
  else
    step "boardsvc is already installed in .venv (pyproject.toml unchanged)"
  fi
}
