#!/usr/bin/env bash
# Read cost must not grow with the number of snapshots: 4 KiB random reads at depth 32 against
# volumes with 0, 10 and 60 snapshots in their chain (each snapshot taken after overwriting a
# scattered 1% of the volume), in the same run, printed with ratios to the 0-snapshot volume.
#
#   bench/snapshot-reads.sh          # RUNTIME=15 seconds per read job, SIZE=512m working set
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runtime="${RUNTIME:-15}"
size="${SIZE:-512m}"
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.run.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/snapshot-reads-$(date -u +%Y%m%dT%H%M%SZ).txt"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
api_port="$(free_port)"; nbd_port="$(free_port)"
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/wharf" --version >/dev/null
"$here/wharf" up --data-dir "$work/wharf" --api-port "$api_port" --nbd-port "$nbd_port" >"$work/node.log" 2>&1 &
node_pid=$!
export WHARF_ENDPOINT="http://127.0.0.1:$api_port"
for _ in $(seq 1 300); do
  curl -sf "$WHARF_ENDPOINT/healthz" >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; exit 1; }
  sleep 0.2
done

fio_nbd() { # volume, args...
  local volume=$1; shift
  fio --name=b --ioengine=nbd --uri="nbd://127.0.0.1:$nbd_port/$volume" --size="$size" --output-format=json \
      --output="$work/fio.json" "$@" >"$work/fio.out" 2>&1 || { cat "$work/fio.out" >&2; return 1; }
}
iops() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; print(round(j["read"]["iops"]))' "$work/fio.json"; }

counts=(0 10 60)
for n in "${counts[@]}"; do
  v="chain-$n"
  "$here/wharf" volume create "$v" --size 1GiB >/dev/null
  fio_nbd "$v" --rw=write --bs=1m --iodepth=8
  for i in $(seq 1 "$n"); do
    fio_nbd "$v" --rw=randwrite --bs=4k --iodepth=16 --number_ios=1310 --randrepeat=0
    "$here/wharf" snapshot create "$v" --name "s$i" >/dev/null
  done
done

{
  echo "4 KiB random read, depth 32, ${runtime}s, working set $size, snapshots in the chain ($(date -u +%FT%TZ))"
  echo "three rounds, the volumes in turn each round; median IOPS"
  declare -A samples
  for round in 1 2 3; do
    for n in "${counts[@]}"; do
      fio_nbd "chain-$n" --rw=randread --bs=4k --iodepth=32 --time_based --runtime="$runtime" --ramp_time=2 --randrepeat=0
      samples[$n]="${samples[$n]:-} $(iops)"
    done
  done
  printf '%-10s %12s %8s   %s\n' snapshots "median IOPS" ratio samples
  base=""
  for n in "${counts[@]}"; do
    median=$(python3 -c 'import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:]))))' ${samples[$n]})
    [ -z "$base" ] && base=$median
    printf '%-10s %12s %8.2f   %s\n' "$n" "$median" "$(python3 -c "print($median/max($base,1))")" "${samples[$n]}"
  done
} | tee "$out"
echo "results in $out"
