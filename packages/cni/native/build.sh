#!/bin/sh
# Compiles the CNI client (native/client.c) into bin/native/own6-ipam and bin/native/own6-cni,
# one binary per plugin with its name built in. Without a C compiler the build still succeeds:
# the Node executables in bin/ do the same work, only with Node's start-up on every call.
set -eu
cd "$(dirname "$0")/.."
compiler="${CC:-cc}"
if ! command -v "$compiler" >/dev/null 2>&1; then
  echo "@own6/cni: no C compiler ($compiler), so no native CNI client; bin/own6-ipam and bin/own6-cni (Node) still work" >&2
  exit 0
fi
mkdir -p bin/native
for plugin in own6-ipam own6-cni; do
  # Built beside and renamed into place, so a runtime never executes a half-written binary.
  "$compiler" -O2 -Wall -Wextra -Werror -DOWN6_PLUGIN="\"$plugin\"" -o "bin/native/.$plugin.new" native/client.c
  mv -f "bin/native/.$plugin.new" "bin/native/$plugin"
done
