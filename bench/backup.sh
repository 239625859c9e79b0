#!/usr/bin/env bash
# The backup engine alone (no node, no network): full backup, restore, incremental after a change,
# restore, of a sparse image (4 GiB, 1 GiB of random data) into a directory target, beside
# `tar --sparse | zstd -1` and `zstd -d | tar -x` of the same file; prints seconds, MiB/s of the
# volume and of its data, and stored MiB. Needs zstd (Debian package zstd).
# See backup/src/test/java/io/wharf/backup/bench/BackupBench.java for what it does.
#
#   bench/backup.sh                                   # about 2 minutes; needs ~6 GiB of free disk
#   bench/backup.sh changeKiB=64 chunkMiB=1           # any key=value of BackupBench
#   bench/backup.sh encrypt=true
#
# Builds only the backup module's test classes (offline); core comes from the local repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
command -v zstd >/dev/null || { echo "zstd is not installed (apt-get install zstd)" >&2; exit 1; }
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.run.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/backup-$(date -u +%Y%m%dT%H%M%SZ).txt"
bench_pid=""
cleanup() {
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$here"
./mvnw -q -o -pl backup test-compile
./mvnw -q -o -pl backup dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$work/classpath"
# A private copy of the classes: a build of another module with -am may rewrite backup/target meanwhile.
cp -r backup/target/classes "$work/classes"
cp -r backup/target/test-classes "$work/test-classes"
cp="$work/test-classes:$work/classes:$(cat "$work/classpath")"

echo "backup engine vs tar|zstd ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(zstd --version | head -1))" | tee "$out"
"$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -cp "$cp" \
    io.wharf.backup.bench.BackupBench dir="$work/data" "$@" > >(tee -a "$out") 2> >(grep -v '^SLF4J' >&2) &
bench_pid=$!
wait "$bench_pid"
bench_pid=""
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
echo "results in $out"
