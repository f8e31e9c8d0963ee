#!/usr/bin/env bash
# Installs what is needed, starts Redis and FerretDB (or reuses them), starts the
# bot, and sends a short compound-group conversation through its real webhook.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

BOT_PID=""
cleanup() {
  if [ -n "$BOT_PID" ] && kill -0 "$BOT_PID" 2>/dev/null; then
    kill -TERM "$BOT_PID"; wait "$BOT_PID" 2>/dev/null || true
  fi
  services_down
}
trap cleanup EXIT
services_up

# Demo-only WeCom credentials (not secret: they exist only on this machine).
# Nothing reaches WeCom: without an app secret every send goes to the outbox file.
export MONGODB_URL="${MONGODB_URL%/*}/mulin_demo"
export QUEUE_PREFIX=mulin-demo
export PORT="${DEMO_PORT:-3100}"
export DEMO_BASE_URL="http://127.0.0.1:$PORT"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
export WECOM_CORP_ID=wwdemocorp0000001
export WECOM_AIBOT_TOKEN=MulinDemoAibotToken
export WECOM_AIBOT_ENCODING_AES_KEY=jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C
export WECOM_APP_TOKEN=MulinDemoAppToken
export WECOM_APP_ENCODING_AES_KEY=6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt
export WECOM_OUTBOUND=outbox
export OUTBOX_PATH=.run/demo-outbox.jsonl

npx tsx scripts/demo-reset.ts
echo "[demo] loading the sample compounds"
npx tsx scripts/load-compounds.ts config/compounds.sample.yaml

echo "[demo] starting the bot (web + worker) on :$PORT"
mkdir -p .run
node --import tsx src/main.ts all >.run/demo-bot.log 2>&1 &
BOT_PID=$!
for _ in $(seq 1 100); do
  if curl -fsS "$DEMO_BASE_URL/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$BOT_PID" 2>/dev/null; then echo "[demo] the bot failed to start:"; cat .run/demo-bot.log; exit 1; fi
  sleep 0.2
done
curl -fsS "$DEMO_BASE_URL/readyz"; echo

npx tsx scripts/demo-conversation.ts
echo "[demo] bot log: .run/demo-bot.log"
