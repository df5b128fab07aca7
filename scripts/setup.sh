#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine with Node 20 (as root) for own6: the system packages the
# kernel tests and the demo use, the pinned pnpm, the workspace's dependencies, and a build.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
# iproute2 and radvd for the lab; the reference CNI plugins, Docker and busybox for the plugin tests;
# etcd for the cluster store tests; make and g++ to compile better-sqlite3, and gcc (which g++
# brings, with cc) for the CNI plugins' native client.
APT_PACKAGES=(iproute2 radvd procps util-linux containernetworking-plugins docker.io busybox-static etcd-server etcd-client make g++ gcc)

if [ "$(id -u)" = 0 ]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  command -v python3 >/dev/null || missing+=(python3)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # Keep apt from starting radvd, dockerd, containerd or etcd in the host's own namespace: the
    # tests start their own, inside namespaces they create.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
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
