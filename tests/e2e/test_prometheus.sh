#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A real Prometheus server (Debian's prometheus package) with its own
# configuration on 127.0.0.1 in the server namespace scrapes the agent's
# /metrics every second during a SYN flood; its query API must return the
# drop counter as the agent counts it and the blocked-sources gauge.
# promtool check metrics must find nothing to say about the text.
set -u
. "$(dirname "$0")/lib.sh"
need_root
for tool in prometheus promtool; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "$(basename "$0"): needs $tool (Debian package prometheus)"
		exit 0
	fi
done
topology_up

AGENT=127.0.0.1:9419
PROM=127.0.0.1:9490
printf '*                5/5s strict\n' >"$WORK/limits"

# GET (or another method) on a URL from inside the server namespace:
# prints the body, then the status on a line of its own
http() {
	in_server python3 -c '
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=sys.argv[2])
try:
    r = urllib.request.urlopen(req, timeout=5)
    sys.stdout.write(r.read().decode()); print(r.status)
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode()); print(e.code)
except OSError as e:
    print("error", e)' "$1" "${2:-GET}"
}
status_of() { http "$@" | tail -n 1; }
# The value of an instant query, "none" when it has no sample.
query() {
	in_server python3 -c '
import json, sys, urllib.parse, urllib.request
url = "http://%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
try:
    r = json.load(urllib.request.urlopen(url, timeout=5))
    res = r["data"]["result"]
    print(res[0]["value"][1] if res else "none")
except OSError as e:
    print("error", e)' "$PROM" "$1"
}
query_is() { [ "$(query "$1")" = "$2" ]; }

ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" run s0 --limits "$WORK/limits" \
	--metrics "$AGENT" 2>"$WORK/agent.log" &
BG_PIDS="$BG_PIDS $!"
wait_ms 5000 grep -q "metrics on" "$WORK/agent.log"

http "http://$AGENT/metrics" >"$WORK/metrics"
expect_eq "GET /metrics answers 200" "200" "$(tail -n 1 "$WORK/metrics")"
sed -i '$d' "$WORK/metrics"
# promtool prints each problem and exits non-zero when it finds one
expect_rc "promtool check metrics on /metrics" 0 sh -c 'promtool check metrics <"$1"' sh "$WORK/metrics"
expect_eq "... finds nothing to say" "" "$(cat "$WORK/out")"
expect_eq "the info metric names version and ABI" "1" \
	"$(grep -c '^synlimit_info{version="[0-9.]*",abi="[0-9]*"} 1$' "$WORK/metrics")"
expect_eq "no label holds an address" "0" \
	"$(grep -v '^#' "$WORK/metrics" | grep -cE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]+::')"
families=$(grep '^# TYPE' "$WORK/metrics")
if [ "$families" = "$(sl stats --prometheus | grep '^# TYPE')" ]; then
	pass "stats --prometheus prints the same $(echo "$families" | wc -l) families"
else
	fail "stats --prometheus and /metrics differ in their families"
fi
# a scrape reads the totals under the pin directory's shared lock, so an
# attach that moves a slot's counts to the retired slot (held exclusively)
# never runs in the middle of it: the scrape waits for it, 2 s at most
# (then 503: the scrapes share one thread). scrape_while_locked SECONDS
# prints "MS CODE"
scrape_while_locked() {
	flock -x "$PIN" sleep "$1" &
	holder=$!
	BG_PIDS="$BG_PIDS $holder"
	wait_ms 5000 sh -c '! flock -n -s "$1" true' sh "$PIN"
	start=$(date +%s%N)
	code=$(status_of "http://$AGENT/metrics")
	echo "$((($(date +%s%N) - start) / 1000000)) $code"
	wait $holder
}
set -- $(scrape_while_locked 1.5)
if [ "$2" = 200 ] && [ "$1" -ge 900 ]; then
	pass "a scrape waits for the pin directory's exclusive lock ($1 ms), then answers 200"
else
	fail "a scrape did not wait for the pin directory's exclusive lock ($1 ms, $2)"
fi
set -- $(scrape_while_locked 4)
if [ "$2" = 503 ] && [ "$1" -ge 1800 ] && [ "$1" -lt 3500 ]; then
	pass "a scrape waits 2 s at most for the lock, then answers 503 ($1 ms)"
else
	fail "a scrape held up by the lock for 4 s: $1 ms, $2 (expected 503 after about 2 s)"
fi
expect_eq "GET /other answers 404" "404" "$(status_of "http://$AGENT/other")"
expect_eq "POST /metrics answers 405" "405" "$(status_of "http://$AGENT/metrics" POST)"

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: synlimit
    static_configs:
      - targets: ['$AGENT']
EOF
ip netns exec "$NS_S" prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/prometheus-data" --web.listen-address="$PROM" \
	--log.level=warn >"$WORK/prometheus.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
if wait_ms 15000 query_is 'up{job="synlimit"}' 1; then
	pass "Prometheus scrapes the agent (up 1)"
else
	fail "Prometheus did not scrape the agent in 15 s (up: $(query 'up{job="synlimit"}')); its log:"
	tail -n 20 "$WORK/prometheus.log" | sed 's/^/    /'
fi

# a flood of 4 seconds; Prometheus scrapes during it
ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" --src 198.18.1.66 \
	--dst 198.18.0.2 -n 80000 --rate 20000 >"$WORK/flood" 2>&1 &
flood_pid=$!
if wait_ms 4000 query_is 'synlimit_table_entries{table="blocked"}' 1; then
	pass "during the flood, Prometheus has the blocked-sources gauge at 1"
else
	fail "during the flood, blocked gauge: $(query 'synlimit_table_entries{table="blocked"}')"
fi
during=$(query 'synlimit_connection_attempts_total{outcome="dropped_limit"}')
expect_eq "during the flood, Prometheus has drops counted" "yes" \
	"$([ "${during%%.*}" -gt 0 ] 2>/dev/null && echo yes || echo "no ($during)")"
wait $flood_pid
dropped=$(counter syn_dropped_limit)
if wait_ms 5000 query_is 'synlimit_connection_attempts_total{outcome="dropped_limit"}' "$dropped"; then
	pass "after the flood, Prometheus's drop counter is the agent's: $dropped"
else
	fail "after the flood, Prometheus's drop counter: expected $dropped, got $(query 'synlimit_connection_attempts_total{outcome="dropped_limit"}')"
fi
expect_eq "... as is its per-interface drop counter" "$dropped" \
	"$(query 'synlimit_interface_packets_total{interface="s0",verdict="dropped"}')"
finish
