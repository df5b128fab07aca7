#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine with Node 20 (as root) for own6: the system packages the
# kernel tests and the demo use, the pinned pnpm, the workspace's dependencies, and a build.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
APT_PACKAGES=(iproute2 radvd procps make g++)

if [ "$(id -u)" = 0 ]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  command -v python3 >/dev/null || missing+=(python3)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: not root, so not installing ${APT_PACKAGES[*]}; the kernel tests need them and root" >&2
fi

# Corepack cannot fetch pnpm on these machines; npm can.
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi

# better-sqlite3 compiles on install; node-gyp must use the headers Debian's Node ships instead
# of downloading them (there is no route to nodejs.org here).
if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then
  export npm_config_nodedir=/usr
fi
pnpm install --frozen-lockfile
pnpm build
