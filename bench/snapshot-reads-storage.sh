#!/usr/bin/env bash
# The storage engine's read path alone (no NBD, no fio): 4 KiB random reads through Volume.read on
# volumes with 0, 10 and 60 snapshots and the same write history, from 1, 2 and 8 threads, in
# interleaved rounds, beside a control that preads the same blocks straight from the layer files;
# prints IOPS, CPU time per read, medians, spreads and ratios to the 0-snapshot volume.
# See storage/src/test/java/io/wharf/storage/bench/SnapshotReadBench.java for what it does.
#
#   bench/snapshot-reads-storage.sh                       # 5 rounds of 2 s samples, about 5 minutes
#   bench/snapshot-reads-storage.sh threads=1 rounds=21 seconds=1   # any key=value of SnapshotReadBench
#   bench/snapshot-reads-storage.sh cache=reread          # same page-cache state for every volume
#   JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/r.jfr' bench/snapshot-reads-storage.sh
#
# Builds only the storage module's test classes (offline); core comes from the local repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.run.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/snapshot-reads-storage-$(date -u +%Y%m%dT%H%M%SZ).txt"
bench_pid=""
cleanup() {
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
module_bench storage io.wharf.storage.bench.SnapshotReadBench "storage-level 4 KiB random reads, snapshots in the chain" "$@"
