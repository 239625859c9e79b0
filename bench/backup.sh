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

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
module_bench backup io.wharf.backup.bench.BackupBench "backup engine vs tar|zstd ($(zstd --version | head -1))" "$@"
