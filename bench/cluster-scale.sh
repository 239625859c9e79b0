#!/usr/bin/env bash
# Scale benchmark (not a test): NODES node processes (default 25) against one etcd on loopback,
# VOLUMES volumes (default 1000) created through the nodes' APIs in turn. Reports volume create
# latency p50/p99, `cluster status` and `volume list` latency, node-offline detection time after
# kill -9, and the nodes' memory.
#
#   bench/cluster-scale.sh                 # NODES=25 VOLUMES=1000 TTL=6
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
nodes="${NODES:-25}"
volumes="${VOLUMES:-1000}"
ttl="${TTL:-6}"
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.scale.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/cluster-scale-$(date -u +%Y%m%dT%H%M%SZ).txt"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
pids=()
etcd_pid=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/wharf" --version >/dev/null
start_etcd
cluster="$etcd_url"

api_ports=()
zones=(zone-a zone-b zone-c)
for i in $(seq 1 "$nodes"); do
  api="$(free_port)"; nbd="$(free_port)"
  api_ports+=("$api")
  "$here/wharf" node start --cluster "$cluster" --node-id "node-$i" --zone "${zones[$((i % 3))]}" \
    --rack "rack-$((i % 5))" --data-dir "$work/node-$i" --api-port "$api" --nbd-port "$nbd" \
    --repl-port "$(free_port)" --pool-capacity 64GiB --liveness-ttl "$ttl" >"$work/node-$i.log" 2>&1 &
  pids+=("$!")
done
started=$(date +%s)
for i in $(seq 0 $((nodes - 1))); do
  until curl -sf "http://127.0.0.1:${api_ports[$i]}/healthz" >/dev/null 2>&1; do
    kill -0 "${pids[$i]}" 2>/dev/null || { tail -20 "$work/node-$((i + 1)).log"; exit 1; }
    [ $(( $(date +%s) - started )) -lt 600 ] || { echo "nodes did not start within 600 s"; exit 1; }
    sleep 0.5
  done
done
startup_s=$(( $(date +%s) - started ))
endpoint="http://127.0.0.1:${api_ports[0]}"

timings="$work/create.txt"
for v in $(seq 1 "$volumes"); do
  port="${api_ports[$(( v % nodes ))]}"
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
    -d "{\"name\":\"vol-$v\",\"sizeBytes\":67108864}" "http://127.0.0.1:$port/v1/volumes" >>"$timings"
done

time_get() { # path, runs -> median seconds
  local path=$1 runs=$2
  for _ in $(seq 1 "$runs"); do curl -s -o /dev/null -w '%{time_total}\n' "$endpoint$path"; done | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
status_s="$(time_get /v1/cluster 10)"
list_s="$(time_get /v1/volumes 5)"
placed="$(curl -s "$endpoint/v1/volumes" | python3 -c 'import json,sys,collections; v=json.load(sys.stdin)["volumes"]; c=collections.Counter(x["node"] for x in v); print(len(v), "volumes on", len(c), "nodes, min", min(c.values()), "max", max(c.values()))')"
rss_mb="$(for pid in "${pids[@]}"; do ps -o rss= -p "$(pgrep -P "$pid" java || echo "$pid")" 2>/dev/null; done |
  awk '{s+=$1; if ($1>m) m=$1} END {printf "%.0f total, %.0f max per node", s/1024, m/1024}')"

victim=$((nodes - 1))
kill -9 "${pids[$victim]}"
killed_ns=$(date +%s%N)
until curl -s "$endpoint/v1/nodes/node-$nodes" | grep -q '"state":"offline"'; do sleep 0.1; done
detect_ms=$(( ($(date +%s%N) - killed_ns) / 1000000 ))

{
  echo "cluster scale: $nodes nodes on one etcd, $volumes volumes of 64 MiB ($(date -u +%FT%TZ), $(nproc) cores)"
  echo "nodes started and ready in ${startup_s} s"
  python3 - "$timings" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
ok = sorted(float(t) * 1000 for code, t in rows if code == "201")
bad = [code for code, t in rows if code != "201"]
def pct(p): return ok[min(len(ok) - 1, int(round(p / 100 * (len(ok) - 1))))]
print(f"volume create: {len(ok)} created, {len(bad)} refused; latency p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {ok[-1]:.1f} ms")
EOF
  echo "placement: $placed"
  echo "cluster status: median $(python3 -c "print(round($status_s*1000,1))") ms (10 calls)"
  echo "volume list ($volumes volumes across the nodes): median $(python3 -c "print(round($list_s*1000,1))") ms (5 calls)"
  echo "node offline detection after kill -9: ${detect_ms} ms (liveness TTL ${ttl} s)"
  echo "node memory (RSS): $rss_mb MiB"
} | tee "$out"
echo "results in $out"
