#!/usr/bin/env bash
# Read cost must not grow with the number of snapshots: 4 KiB random reads at depth 32 (fio over
# NBD against a real node) on volumes with 0, 10 and 60 snapshots in their chain, printed with
# medians, spreads and ratios to the 0-snapshot volume.
#
# Every volume gets the same write history: a sequential fill of the working set, then OVERWRITES
# rounds of scattered 4 KiB overwrites of 1% of it (the same offsets in every volume: fio's seed is
# the round number), each ending with a flush. The volume with n snapshots takes them after its first
# n rounds; the 0-snapshot volume takes none. Reads run in ROUNDS rounds, the volumes in a rotating
# order, so changes in machine load spread over all of them; "paired" is the median of the
# per-round ratios (samples a few seconds apart).
#
#   bench/snapshot-reads.sh                  # RUNTIME=15 s per sample, 5 rounds: about 8 minutes
#   RUNTIME=10 ROUNDS=7 bench/snapshot-reads.sh
#   CACHE=reread bench/snapshot-reads.sh     # drop the layer files' page cache after the writes and
#                                            # read every block back once (4 KiB, random order) first
#
# Env: RUNTIME (s per read sample), ROUNDS, SIZE (working set, 512m), OVERWRITES (60), COUNTS
# ("0 10 60"), CACHE (written|reread). Needs fio with the nbd engine, python3, curl.
# The storage engine alone (no NBD, no fio) is measured by bench/snapshot-reads-storage.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runtime="${RUNTIME:-15}"
rounds="${ROUNDS:-5}"
size="${SIZE:-512m}"
overwrites="${OVERWRITES:-60}"
read -r -a counts <<<"${COUNTS:-0 10 60}"
cache="${CACHE:-written}"
case "$cache" in written|reread) ;; *) echo "CACHE must be written or reread" >&2; exit 2 ;; esac
[ "${counts[0]}" = 0 ] || { echo "the first of COUNTS must be 0 (the baseline)" >&2; exit 2; }
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.run.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/snapshot-reads-$(date -u +%Y%m%dT%H%M%SZ).txt"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
api_port="$(free_port)"; nbd_port="$(free_port)"
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
load() { cut -d' ' -f1 /proc/loadavg; }

overwrite() { # volume, first round, last round: one 4 KiB randwrite job per round, run one after another
  local volume=$1 first=$2 last=$3 round
  {
    printf '[global]\nioengine=nbd\nuri=nbd://127.0.0.1:%s/%s\nsize=%s\nrw=randwrite\nbs=4k\niodepth=16\n' \
        "$nbd_port" "$volume" "$size"
    printf 'number_ios=%s\nrandrepeat=1\nend_fsync=1\nstonewall\n' "$blocks_per_round"
    for round in $(seq "$first" "$last"); do printf '[round-%s]\nrandseed=%s\n' "$round" "$round"; done
  } >"$work/overwrite.fio"
  fio --output-format=json --output="$work/fio.json" "$work/overwrite.fio" >"$work/fio.out" 2>&1 \
      || { cat "$work/fio.out" >&2; return 1; }
}
snapshot() { # volume, name: through the REST API (the CLI would start a JVM per snapshot)
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"name\":\"$2\"}" \
      "$WHARF_ENDPOINT/v1/volumes/$1/snapshots"
}
snapshot_count() {
  curl -sf "$WHARF_ENDPOINT/v1/volumes/$1/snapshots" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))'
}

started=$SECONDS
blocks_per_round=$(python3 -c "
import re,sys; m=re.fullmatch(r'(\d+)([kmg]?)', sys.argv[1].lower()); u={'':1,'k':1<<10,'m':1<<20,'g':1<<30}[m.group(2)]
print(int(m.group(1))*u//4096//100)" "$size")
for n in "${counts[@]}"; do
  "$here/wharf" volume create "chain-$n" --size 1GiB >/dev/null
  fio_nbd "chain-$n" --rw=write --bs=1m --iodepth=8 --end_fsync=1
  for round in $(seq 1 "$n"); do
    overwrite "chain-$n" "$round" "$round"
    snapshot "chain-$n" "s$round"
  done
  if [ "$n" -lt "$overwrites" ]; then
    overwrite "chain-$n" $((n + 1)) "$overwrites"
  fi
  [ "$(snapshot_count "chain-$n")" = "$n" ] || { echo "chain-$n does not have $n snapshots" >&2; exit 1; }
done
if [ "$cache" = reread ]; then
  python3 - "$work/wharf" <<'EOF'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".layer"):
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
EOF
  for n in "${counts[@]}"; do
    fio_nbd "chain-$n" --rw=randread --bs=4k --iodepth=32
  done
fi
setup_seconds=$((SECONDS - started))

{
  echo "4 KiB random read over NBD, depth 32, ${runtime}s (+2s ramp) per sample, working set $size, $(nproc) cores ($(date -u +%FT%TZ))"
  echo "history: sequential fill, $overwrites rounds of $blocks_per_round random 4 KiB overwrites + flush; snapshots after the first n rounds; setup ${setup_seconds}s"
  if [ "$cache" = reread ]; then
    echo "page cache: dropped after the writes, then every block read back once (4 KiB, random order)"
  else
    echo "page cache: as the writes left it"
  fi
  echo "$rounds rounds, the volumes in a rotating order"
  : >"$work/samples"
  for round in $(seq 0 $((rounds - 1))); do
    line="round $((round + 1)) (load $(load)):"
    for k in "${!counts[@]}"; do
      n=${counts[$(((k + round) % ${#counts[@]}))]}
      fio_nbd "chain-$n" --rw=randread --bs=4k --iodepth=32 --time_based --runtime="$runtime" --ramp_time=2 --randrepeat=0
      echo "$n $round $(iops)" >>"$work/samples"
      line="$line  ${n}s $(iops)"
    done
    echo "$line"
  done
  echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 - "$work/samples" "${counts[@]}" <<'EOF'
import collections, statistics, sys
samples = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    n, r, iops = line.split()
    samples[n][int(r)] = float(iops)
counts = sys.argv[2:]
base = samples[counts[0]]
print(f"{'snapshots':<10} {'median IOPS':>12} {'min':>8} {'max':>8} {'spread':>7} {'ratio':>6} {'paired':>7}")
for n in counts:
    s = samples[n]
    values = list(s.values())
    median = statistics.median(values)
    paired = statistics.median(s[r] / base[r] for r in s)
    print(f"{n:<10} {median:>12.0f} {min(values):>8.0f} {max(values):>8.0f} {100 * (max(values) - min(values)) / median:>6.1f}%"
          f" {median / statistics.median(base.values()):>6.3f} {paired:>7.3f}")
print("spread: (max - min) / median; ratio: median over the 0-snapshot median; paired: median of per-round ratios")
EOF
} | tee "$out"
echo "results in $out"
