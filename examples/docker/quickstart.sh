#!/bin/sh
# own6 quickstart: a container answering HTTP on its own public IPv6 address, from the prefix
# the host's uplink learns from Router Advertisements. Needs own6-docker running (see
# docs/docker.md), docker and busybox-static; works offline (the image is built locally).
#
#   examples/docker/quickstart.sh          # create the network, run "hello", print its address
#   examples/docker/quickstart.sh down     # remove the container and the network
#
# Environment: PARENT (uplink; default: the interface of the IPv6 default route),
# MODE (routed or macvlan; default routed), OWN6 (plugin name; default own6),
# NET (network; default own6-$MODE), NAME (container; default hello).
set -eu
OWN6=${OWN6:-own6}
MODE=${MODE:-routed}
NET=${NET:-own6-$MODE}
NAME=${NAME:-hello}
IMAGE=own6-hello:latest

if [ "${1:-}" = down ]; then
  docker rm -f "$NAME" >/dev/null
  docker network rm "$NET" >/dev/null
  exit 0
fi

PARENT=${PARENT:-$(ip -6 route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1)}
if [ -z "$PARENT" ]; then
  echo "quickstart: no IPv6 default route here; set PARENT to the uplink" >&2
  exit 1
fi

# busybox's httpd with a page that names the container's address and the client's: no NAT, so
# the client sees the first and the container sees the second, both public.
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/www/cgi-bin"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  cat >"$root/www/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
me=$(ip -6 addr show dev eth0 scope global | sed -n 's/.*inet6 \([^/]*\).*/\1/p')
printf 'Content-Type: text/plain\r\n\r\nHello from %s, you are %s\n' "$me" "$REMOTE_ADDR"
CGI
  chmod 755 "$root/www/cgi-bin/index.cgi"
  tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' - "$IMAGE" >/dev/null
fi

# Docker 28 and later make IPv4 optional, and own6 networks must say so.
major=$(docker version --format '{{.Server.Version}}' | cut -d . -f 1)
ipv4=""
if [ "$major" -ge 28 ]; then ipv4="--ipv4=false"; fi

# No --subnet: the plugin uses the prefix PARENT learned from Router Advertisements.
if ! docker network inspect "$NET" >/dev/null 2>&1; then
  docker network create -d "$OWN6" --ipam-driver "$OWN6" --ipam-opt parent="$PARENT" \
    --ipv6 $ipv4 -o parent="$PARENT" -o mode="$MODE" "$NET" >/dev/null
fi
docker run -d --init --name "$NAME" --network "$NET" "$IMAGE" httpd -f -p 80 -h /www >/dev/null
address=$(docker inspect --format '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$NAME")
echo "$NAME answers on http://[$address]/ - from anywhere on the IPv6 internet: curl 'http://[$address]/'"
