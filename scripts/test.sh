#!/usr/bin/env bash
# The whole test suite: type-check, lint, then jest against real Redis and
# FerretDB (started here unless REDIS_URL / MONGODB_URL or running servers exist).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_down EXIT
services_up
ensure_redis_server
ensure_ferretdb # the outage tests run private instances they can stop
echo "[test] type-check"; npx tsc -p tsconfig.json --noEmit
echo "[test] lint"; npx eslint --max-warnings=0 .
echo "[test] jest"; npx jest --ci "$@"
