#!/usr/bin/env bash
# Replication transport throughput, two views in one run:
#  1. in-process: RemoteVolume over loopback vs the same pool volume called locally (ratios);
#  2. end to end with fio: a Wharf NBD target whose volume data is on another "node" (NBD ->
#     RemoteVolume -> ReplicaServer -> pool, over loopback) vs nbdkit's file plugin on the same disk,
#     and vs the same volume exported locally by Wharf. Skipped without fio or nbdkit.
# Jobs: 4 KiB random read and write at depth 32, 1 MiB sequential read and write at depth 8.
#
#   bench/replication-transport.sh      # SECONDS_PER_JOB=5, WORKING_SET_MIB=256, CONNECTIONS=2, RUNTIME=10, SIZE=1g
#
# Results also go to bench/results/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
runtime="${RUNTIME:-10}"
size="${SIZE:-1g}"
results="$here/bench/results"
mkdir -p "$results"
out="$results/replication-transport-$(date -u +%Y%m%dT%H%M%SZ).txt"
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.run.XXXXXX")"
target_pid=""; kit_pid=""
cleanup() {
  [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null || true
  [ -n "$kit_pid" ] && kill "$kit_pid" 2>/dev/null && wait "$kit_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$here"
./mvnw -q -o install -DskipTests -pl node -am
./mvnw -q -o dependency:build-classpath -pl node -Dmdep.includeScope=test -Dmdep.outputFile="$work/classpath" >/dev/null
cp="node/target/test-classes:node/target/classes:$(cat "$work/classpath")"
java_opts=(-Xmx1g -XX:MaxDirectMemorySize=512m --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

{
  "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" io.wharf.node.transport.TransportBench \
    "${SECONDS_PER_JOB:-5}" "${WORKING_SET_MIB:-256}" "${CONNECTIONS:-2}" "$work/inprocess" 2> >(grep -v '^SLF4J' >&2)
} | tee "$out"

if ! command -v fio >/dev/null || ! command -v nbdkit >/dev/null; then
  echo "fio or nbdkit missing: end-to-end comparison skipped" | tee -a "$out"
  exit 0
fi
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
kit_port="$(free_port)"
size_mib=$(( $(numfmt --from=iec "${size^^}") / 1048576 ))

mkfifo "$work/target.in"
"$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" io.wharf.node.transport.RemoteTargetMain "$work/target" "$size_mib" \
  "${CONNECTIONS:-2}" <"$work/target.in" >"$work/target.out" 2>"$work/target.log" &
target_pid=$!
exec 3>"$work/target.in"   # keeps the target's input open; closing it stops the target
for _ in $(seq 1 300); do grep -q READY "$work/target.out" 2>/dev/null && break; sleep 0.1; done
nbd_port="$(awk '/READY/ {print $2}' "$work/target.out")"
[ -n "$nbd_port" ] || { cat "$work/target.log"; exit 1; }

truncate -s "$size" "$work/nbdkit.img"
nbdkit -f -i 127.0.0.1 -p "$kit_port" --exit-with-parent file "$work/nbdkit.img" >"$work/nbdkit.log" 2>&1 &
kit_pid=$!
wait_for_nbd "nbd://127.0.0.1:$kit_port"

# fill all three so reads hit data, and warm the JIT
for uri in "nbd://127.0.0.1:$kit_port" "nbd://127.0.0.1:$nbd_port/local" "nbd://127.0.0.1:$nbd_port/remote"; do
  fio --name=fill --ioengine=nbd --uri="$uri" --size="$size" --rw=write --bs=1m --iodepth=8 >/dev/null 2>&1
done
fio_iops "nbd://127.0.0.1:$nbd_port/remote" --rw=randrw --bs=64k --iodepth=8 --runtime=5 >/dev/null

{
  echo
  echo "fio end to end: Wharf NBD target with the data on another node (remote, over loopback), the same volume exported"
  echo "locally (local), and nbdkit's file plugin; ${runtime}s per job, $size, $(nproc) cores, $(fio --version), $(nbdkit --version | head -1)"
  printf '%-20s %12s %12s %12s %14s %14s\n' job "nbdkit IOPS" "local IOPS" "remote IOPS" "remote/nbdkit" "remote/local"
  for entry in "${fio_mix[@]}"; do
    name="${entry%%|*}"; args="${entry#*|}"
    # shellcheck disable=SC2086
    kit=$(fio_iops "nbd://127.0.0.1:$kit_port" $args)
    # shellcheck disable=SC2086
    loc=$(fio_iops "nbd://127.0.0.1:$nbd_port/local" $args)
    # shellcheck disable=SC2086
    rem=$(fio_iops "nbd://127.0.0.1:$nbd_port/remote" $args)
    printf '%-20s %12s %12s %12s %14.2f %14.2f\n' "$name" "$kit" "$loc" "$rem" "$(echo "$rem / $kit" | bc -l)" "$(echo "$rem / $loc" | bc -l)"
  done
} | tee -a "$out"
exec 3>&-
