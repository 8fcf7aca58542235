#!/usr/bin/env bash
# Sets up a fresh Debian machine with Node 20 for xentab: Debian packages, npm packages, guest images.
# Idempotent: a second run only checks. Used by the README's quick start and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# Node 20.19 or newer (vite 8 and eslint 10 need it).
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { say "Node $(node --version) is too old: install Node 20.19 or newer"; exit 1; }

# Debian packages: the oracles (gcc -m32, QEMU TCG, Xen's public headers, Chromium and Firefox ESR
# for the page's end-to-end tests) and image tools.
DEB_PACKAGES=(gcc-multilib qemu-system-x86 libxen-dev chromium firefox-esr e2fsprogs fdisk cpio seabios xz-utils lz4)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    say "missing Debian packages: ${missing[*]}"
    say "run as root: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Real guest images from Debian packages (cached in .cache/images; a second run reuses them).
if [ -f tools/images/main.ts ]; then
  say "fetching and building guest images (npm run images)"
  npm run --silent images
fi
say "ready"
