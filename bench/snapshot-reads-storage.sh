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

cd "$here"
./mvnw -q -o -pl storage test-compile
./mvnw -q -o -pl storage dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$work/classpath"
# A private copy of the classes: a build of another module with -am may rewrite storage/target meanwhile.
cp -r storage/target/classes "$work/classes"
cp -r storage/target/test-classes "$work/test-classes"
cp="$work/test-classes:$work/classes:$(cat "$work/classpath")"

echo "storage-level 4 KiB random reads, snapshots in the chain ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$out"
"$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -cp "$cp" \
    io.wharf.storage.bench.SnapshotReadBench dir="$work/data" "$@" > >(tee -a "$out") 2> >(grep -v '^SLF4J' >&2) &
bench_pid=$!
wait "$bench_pid"
bench_pid=""
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
echo "results in $out"
