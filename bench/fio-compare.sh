#!/usr/bin/env bash
# Runs one fio mix against a Wharf volume and against nbdkit's file plugin on the same disk, in
# the same run, and prints Wharf/nbdkit ratios. Then measures the node's RSS with 20 volumes and
# fio running on them.
#
#   bench/fio-compare.sh            # RUNTIME=15 seconds per job, SIZE=1g working set
#   RUNTIME=30 SIZE=2g bench/fio-compare.sh
#
# Needs: fio (with the nbd engine), nbdkit, python3. Results also go to bench/results/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runtime="${RUNTIME:-15}"
size="${SIZE:-1g}"
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.run.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$results/fio-compare-$stamp.txt"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
api_port="$(free_port)"; nbd_port="$(free_port)"; kit_port="$(free_port)"
node_pid=""; kit_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  [ -n "$kit_pid" ] && kill "$kit_pid" 2>/dev/null && wait "$kit_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/wharf" --version >/dev/null   # builds on first use
"$here/wharf" up --data-dir "$work/wharf" --api-port "$api_port" --nbd-port "$nbd_port" >"$work/node.log" 2>&1 &
node_pid=$!
export WHARF_ENDPOINT="http://127.0.0.1:$api_port"
for _ in $(seq 1 300); do
  curl -sf "$WHARF_ENDPOINT/healthz" >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; exit 1; }
  sleep 0.2
done
"$here/wharf" volume create bench --size 4GiB >/dev/null

truncate -s 4G "$work/nbdkit.img"
nbdkit -f -i 127.0.0.1 -p "$kit_port" --exit-with-parent file "$work/nbdkit.img" >"$work/nbdkit.log" 2>&1 &
kit_pid=$!
wait_for_nbd "nbd://127.0.0.1:$kit_port"

run_fio() { # uri, job args -> "iops bw_bytes"
  local uri=$1; shift
  fio --name=bench --ioengine=nbd --uri="$uri" --size="$size" --time_based --runtime="$runtime" --output="$work/fio.json" \
      --ramp_time=2 --randrepeat=0 --group_reporting --output-format=json "$@" >"$work/fio.out" 2>&1 || { cat "$work/fio.out" >&2; return 1; }
  python3 - "$work/fio.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
read, write = job["read"], job["write"]
print(f'{read["iops"] + write["iops"]:.0f} {read["bw_bytes"] + write["bw_bytes"]:.0f}')
PY
}

# Warm both servers up first (the JVM compiles its hot paths in the first seconds), so the
# first measured job does not pay for Wharf's warm-up alone.
run_fio "nbd://127.0.0.1:$nbd_port/bench" --rw=randrw --bs=64k --iodepth=8 --runtime=8 >/dev/null
run_fio "nbd://127.0.0.1:$kit_port" --rw=randrw --bs=64k --iodepth=8 --runtime=8 >/dev/null

{
  echo "fio mix: Wharf vs nbdkit file plugin, same disk, same run ($(date -u +%FT%TZ))"
  echo "runtime ${runtime}s per job, working set $size, $(nproc) cores, fio $(fio --version), $(nbdkit --version | head -1)"
  printf '%-22s %14s %14s %8s\n' job "wharf IOPS" "nbdkit IOPS" ratio
  for entry in "${fio_mix[@]}"; do
    name="${entry%%|*}"; args="${entry#*|}"
    # shellcheck disable=SC2086
    read -r w_iops _ < <(run_fio "nbd://127.0.0.1:$nbd_port/bench" $args)
    # shellcheck disable=SC2086
    read -r k_iops _ < <(run_fio "nbd://127.0.0.1:$kit_port" $args)
    printf '%-22s %14s %14s %8.2f\n' "$name" "$w_iops" "$k_iops" "$(python3 -c "print($w_iops/max($k_iops,1))")"
  done
} | tee "$out"

# Memory: 20 volumes, fio on all of them at once, sample the node's RSS.
for i in $(seq 1 20); do "$here/wharf" volume create "mem-$i" --size 1GiB >/dev/null; done
fio_pids=()
for i in $(seq 1 20); do
  fio --name="mem-$i" --ioengine=nbd --uri="nbd://127.0.0.1:$nbd_port/mem-$i" --rw=randrw --bs=64k --iodepth=8 \
      --size=256m --time_based --runtime=$((runtime > 20 ? runtime : 20)) --output=/dev/null &
  fio_pids+=($!)
done
peak=0
while kill -0 "${fio_pids[0]}" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$(pgrep -P "$node_pid" java || echo "$node_pid")/status" 2>/dev/null || echo 0)
  [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  sleep 0.5
done
wait "${fio_pids[@]}" || true
echo "node RSS peak with 20 volumes and 20 fio jobs running: $((peak / 1024)) MiB (limit 512 MiB)" | tee -a "$out"
echo "results in $out"
