#!/usr/bin/env bash
# Local services for the demo and the tests: Redis (Debian's redis-server) and
# FerretDB 1.24 (sqlite handler) as the MongoDB-compatible store.
#   source scripts/services.sh; services_up; ...; services_down
# Reuses REDIS_URL / MONGODB_URL when set, or servers already answering on the
# default ports, and only stops what it started itself.
set -euo pipefail

MULIN_ROOT="${MULIN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CACHE_DIR="$MULIN_ROOT/.cache"
RUN_DIR="$MULIN_ROOT/.run"
FERRETDB_VERSION="v1.24.0"
# "-idindex": built with the one-line fix described in ensure_ferretdb.
export FERRETDB_BIN="$CACHE_DIR/bin/ferretdb-$FERRETDB_VERSION-idindex"
LOCAL_REDIS_PORT="${LOCAL_REDIS_PORT:-6379}"
LOCAL_MONGO_PORT="${LOCAL_MONGO_PORT:-27017}"
STARTED_REDIS=""
STARTED_FERRETDB=""

log() { echo "[services] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_node_modules() {
  if [ ! -x "$MULIN_ROOT/node_modules/.bin/tsc" ] || [ "$MULIN_ROOT/package-lock.json" -nt "$MULIN_ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm packages (npm ci)"
    (cd "$MULIN_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_redis_server() {
  if command -v redis-server >/dev/null 2>&1; then return; fi
  log "installing redis-server from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
  # Debian's package starts a system instance where systemd runs; we manage our own.
}

ensure_ferretdb() {
  if [ -x "$FERRETDB_BIN" ]; then return; fi
  command -v go >/dev/null 2>&1 || { log "Go is required to build FerretDB"; return 1; }
  log "building FerretDB $FERRETDB_VERSION (once; cached in .cache/bin)"
  local src
  src="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
  # FerretDB's version package panics unless build/version/version.txt names a
  # release (its docs say to write it by hand), so build from a writable copy.
  rm -rf "$CACHE_DIR/ferretdb-src"
  mkdir -p "$CACHE_DIR/bin"
  cp -r "$src" "$CACHE_DIR/ferretdb-src"
  chmod -R u+w "$CACHE_DIR/ferretdb-src"
  echo "$FERRETDB_VERSION" > "$CACHE_DIR/ferretdb-src/build/version/version.txt"
  # FerretDB 1.24's sqlite backend indexes _id as _ferretdb_sjson->"_id" but looks documents up
  # by _ferretdb_sjson->'$._id'. SQLite uses an expression index only for the same expression,
  # so every find, update and delete by _id read the whole table (measured: 2.7 ms per lookup at
  # 300 documents, 23 ms at 3,000). Writing the lookup like the index makes them index searches;
  # the values compared are the same JSON text either way. MongoDB needs nothing of the kind.
  local meta="$CACHE_DIR/ferretdb-src/internal/backends/sqlite/metadata/metadata.go"
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" "$meta"
  grep -q 'IDColumn = DefaultColumn + `->"_id"`' "$meta" || { log "could not apply the _id index fix to $meta"; return 1; }
  (cd "$CACHE_DIR/ferretdb-src" && GOBIN="$CACHE_DIR/ferretdb-bin" GOFLAGS=-mod=mod go install ./cmd/ferretdb)
  mv "$CACHE_DIR/ferretdb-bin/ferretdb" "$FERRETDB_BIN"
  rm -rf "$CACHE_DIR/ferretdb-src" "$CACHE_DIR/ferretdb-bin"
}

wait_port() {
  local port="$1" name="$2" i
  for i in $(seq 1 100); do
    if port_open "$port"; then return 0; fi
    sleep 0.1
  done
  log "$name did not open port $port"; return 1
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then log "using REDIS_URL"; return; fi
  export REDIS_URL="redis://127.0.0.1:$LOCAL_REDIS_PORT"
  if port_open "$LOCAL_REDIS_PORT"; then log "reusing Redis on :$LOCAL_REDIS_PORT"; return; fi
  ensure_redis_server
  mkdir -p "$RUN_DIR"
  redis-server --port "$LOCAL_REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log" --dir "$RUN_DIR" \
    --save "" --appendonly no --maxmemory-policy noeviction
  wait_port "$LOCAL_REDIS_PORT" redis
  STARTED_REDIS=1
  log "started Redis on :$LOCAL_REDIS_PORT (maxmemory-policy noeviction)"
}

start_ferretdb() {
  if [ -n "${MONGODB_URL:-}" ]; then log "using MONGODB_URL"; return; fi
  export MONGODB_URL="mongodb://127.0.0.1:$LOCAL_MONGO_PORT/mulin"
  if port_open "$LOCAL_MONGO_PORT"; then log "reusing MongoDB-compatible server on :$LOCAL_MONGO_PORT"; return; fi
  ensure_ferretdb
  rm -rf "$RUN_DIR/ferretdb-data"; mkdir -p "$RUN_DIR/ferretdb-data"
  # WAL with synchronous=NORMAL (FerretDB's default is FULL, an fsync per write): a write survives
  # a crash of FerretDB or of the bot, and only a power cut or kernel crash can lose the last
  # ones. This is the tests' and the demo's store; FERRETDB_SQLITE_SYNC=full restores the default.
  nohup "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$RUN_DIR/ferretdb-data/?_pragma=synchronous(${FERRETDB_SQLITE_SYNC:-normal})" \
    --listen-addr="127.0.0.1:$LOCAL_MONGO_PORT" --state-dir="$RUN_DIR" --debug-addr=127.0.0.1:0 \
    --telemetry=disable --log-level=WARN >"$RUN_DIR/ferretdb.log" 2>&1 &
  echo $! > "$RUN_DIR/ferretdb.pid"
  wait_port "$LOCAL_MONGO_PORT" ferretdb
  STARTED_FERRETDB=1
  log "started FerretDB $FERRETDB_VERSION on :$LOCAL_MONGO_PORT"
}

services_up() {
  ensure_node_modules
  start_redis
  start_ferretdb
}

services_down() {
  if [ -n "$STARTED_FERRETDB" ] && [ -f "$RUN_DIR/ferretdb.pid" ]; then
    kill "$(cat "$RUN_DIR/ferretdb.pid")" 2>/dev/null || true
    rm -f "$RUN_DIR/ferretdb.pid"
    log "stopped FerretDB"
  fi
  if [ -n "$STARTED_REDIS" ]; then
    redis-cli -p "$LOCAL_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    log "stopped Redis"
  fi
}
