#!/usr/bin/env bash
# start: start a throwaway PostgreSQL cluster on a free local port and print its URL.
# stop:  stop it and delete its directory.
# PostgreSQL refuses to run as root, so as root the cluster runs as `postgres`.
set -euo pipefail
STATE=${MUFFIN_PG_STATE:-/tmp/muffin-pg}
bindir=""
for dir in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent)")" /usr/lib/postgresql/*/bin; do
  if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then bindir=$dir; break; fi
done
[[ -n "$bindir" ]] || { echo "no PostgreSQL binaries found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    rm -rf "$STATE"; mkdir -p "$STATE"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$STATE"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "$bindir/initdb" -D "$STATE/data" -U muffin --auth=trust -E UTF8 >"$STATE/initdb.log" 2>&1
    as_owner "$bindir/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w \
      -o "-p $port -k $STATE -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null
    echo "postgresql://muffin@127.0.0.1:$port/postgres" | tee "$STATE/url"
    ;;
  stop)
    if [[ -d "$STATE/data" ]]; then as_owner "$bindir/pg_ctl" -D "$STATE/data" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$STATE"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
