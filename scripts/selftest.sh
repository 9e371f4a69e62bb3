#!/usr/bin/env bash
# Runs gossip's built-in uac against gossip's built-in uas on loopback and
# prints the UAC's statistics. Usage: scripts/selftest.sh [extra uac flags]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ./gossip ] || go build -o gossip ./cmd/gossip
port=${GOSSIP_SELFTEST_PORT:-5060}
uaslog=$(mktemp)
./gossip -sn uas -i 127.0.0.1 -p "$port" -nostdin >"$uaslog" 2>&1 &
uas=$!
trap 'kill -INT $uas 2>/dev/null; wait $uas 2>/dev/null || true; rm -f "$uaslog"' EXIT
sleep 0.3
if ! kill -0 "$uas" 2>/dev/null; then
	echo "selftest: the uas on 127.0.0.1:$port did not start (GOSSIP_SELFTEST_PORT picks another port):" >&2
	tail -5 "$uaslog" >&2
	exit 1
fi
./gossip -sn uac -i 127.0.0.1 "127.0.0.1:$port" -r 2000 -m 20000 -nostdin "$@"
