#!/usr/bin/env bash
# Synchronous replication: the fio mix of bench/fio-compare.sh on volumes with 1, 2 and 3 replicas
# (replicas in other node processes over loopback, every volume served by node A), side by side in
# the same run with nbdkit's file plugin; then resync of a volume with 5% changed against a full
# rebuild of a new replica: time and bytes copied.
#
#   bench/replication.sh                      # RUNTIME=15 s per job, SIZE=1g working set, RESYNC_SIZE=10g
#   ONLY='seq|rand' REPEAT=2 bench/replication.sh
#   SKIP_RESYNC=1 bench/replication.sh        # only the fio mix
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runtime="${RUNTIME:-15}"
size="${SIZE:-1g}"
resync_size="${RESYNC_SIZE:-10g}"
bandwidth="${RESYNC_BANDWIDTH:-0}"   # 0: copies as fast as they go, so the figures measure the copy itself
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.replication.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/replication-$(date -u +%Y%m%dT%H%M%SZ).txt"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
declare -A pid api nbd
etcd_pid=""; kit_pid=""
cleanup() {
  for n in "${!pid[@]}"; do kill "${pid[$n]}" 2>/dev/null || true; done
  for n in "${!pid[@]}"; do wait "${pid[$n]}" 2>/dev/null || true; done
  [ -n "$kit_pid" ] && kill "$kit_pid" 2>/dev/null && wait "$kit_pid" 2>/dev/null || true
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/wharf" --version >/dev/null
start_etcd

start_node() { # letter: starts node-<letter> in zone-<letter> with the ports chosen for it
  local n=$1
  "$here/wharf" node start --cluster "$etcd_url" --node-id "node-$n" --zone "zone-$n" --data-dir "$work/node-$n" \
    --api-port "${api[$n]}" --nbd-port "${nbd[$n]}" --repl-port "${repl[$n]}" --liveness-ttl 3 \
    --resync-bandwidth "$bandwidth" >>"$work/node-$n.log" 2>&1 &
  pid[$n]=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:${api[$n]}/healthz" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "node-$n did not start" >&2; tail -20 "$work/node-$n.log" >&2; return 1
}
declare -A repl
for n in a b c; do
  api[$n]="$(free_port)"; nbd[$n]="$(free_port)"; repl[$n]="$(free_port)"
  start_node "$n"
done
wharf_a() { "$here/wharf" --endpoint "http://127.0.0.1:${api[a]}" "$@"; }
wharf_a volume create r1 --size 4GiB --nodes node-a >/dev/null
wharf_a volume create r2 --size 4GiB --repl 2 --nodes node-a,node-b >/dev/null
wharf_a volume create r3 --size 4GiB --repl 3 >/dev/null

truncate -s 4G "$work/nbdkit.img"
kit_port="$(free_port)"
nbdkit -f -i 127.0.0.1 -p "$kit_port" --exit-with-parent file "$work/nbdkit.img" >"$work/nbdkit.log" 2>&1 &
kit_pid=$!
wait_for_nbd "nbd://127.0.0.1:$kit_port"

a_uri() { echo "nbd://127.0.0.1:${nbd[a]}/$1"; }
kit="nbd://127.0.0.1:$kit_port"
for uri in "$(a_uri r1)" "$(a_uri r2)" "$(a_uri r3)" "$kit"; do # lay the working set down once everywhere
  fio --name=fill --ioengine=nbd --uri="$uri" --size="$size" --rw=write --bs=1m --iodepth=8 >/dev/null 2>&1
done

costs=()
ratio() { python3 -c "print(f'{$1/max($2,1):.2f}')"; }
# fio's IOPS on a URI into $work/iops, and into cost[$key] the CPU time (µs) the storage processes
# (the nodes, or nbdkit) spent per I/O.
declare -A cost
measure() { # key uri fio-args...
  local key=$1 pids="${pid[a]} ${pid[b]} ${pid[c]}"
  [ "$key" = kit ] && pids="$kit_pid"
  shift
  fio_iops_cost "$pids" "$@" >"$work/iops"
  cost[$key]=$(<"$work/cost")
  cost[fio]=$(<"$work/fio_cost")
}
{
  echo "synchronous replication: volumes served by node A, replicas in node processes B and C over loopback;"
  echo "same run as nbdkit's file plugin ($(date -u +%FT%TZ)); runtime ${runtime}s per job, working set $size, $(nproc) cores"
  printf '%-22s %10s %10s %10s %10s %9s %9s %9s\n' job "repl1" "repl2" "repl3" "nbdkit" "r1/kit" "r2/kit" "r3/kit"
  for entry in "${fio_mix[@]}"; do
    name="${entry%%|*}"; args="${entry#*|}"
    [[ "$name" =~ ${ONLY:-.} ]] || continue
    for _ in $(seq 1 "${REPEAT:-1}"); do
      # shellcheck disable=SC2086
      measure r1 "$(a_uri r1)" $args; one=$(<"$work/iops")
      # shellcheck disable=SC2086
      measure r2 "$(a_uri r2)" $args; two=$(<"$work/iops")
      # shellcheck disable=SC2086
      measure r3 "$(a_uri r3)" $args; three=$(<"$work/iops")
      # shellcheck disable=SC2086
      measure kit "$kit" $args; k=$(<"$work/iops")
      printf '%-22s %10s %10s %10s %10s %9s %9s %9s\n' "$name" "$one" "$two" "$three" "$k" \
        "$(ratio "$one" "$k")" "$(ratio "$two" "$k")" "$(ratio "$three" "$k")"
      costs+=("$(printf '%-22s %10s %10s %10s %10s %10s' "$name" "${cost[r1]}" "${cost[r2]}" "${cost[r3]}" "${cost[kit]}" "${cost[fio]}")")
    done
  done
  echo
  echo "CPU time per I/O in µs (node processes for repl1-3, nbdkit for nbdkit, fio itself in the nbdkit run; $(nproc) cores"
  echo "shared by all: with every core busy, a ratio is about (nbdkit + fio) / (repl + fio))"
  printf '%-22s %10s %10s %10s %10s %10s\n' job "repl1" "repl2" "repl3" "nbdkit" "fio"
  printf '%s\n' "${costs[@]}"
} | tee "$out"

[ -n "${SKIP_RESYNC:-}" ] && { echo "results in $out"; exit 0; }

# --- resync after 5% changed vs full rebuild ---
copy_state() { # volume node -> "state regionsToCopy"
  wharf_a volume inspect "$1" -o json | python3 -c '
import json,sys
r=[x for x in json.load(sys.stdin)["replication"]["replicas"] if x["node"]==sys.argv[1]][0]
print(r["state"], r.get("regionsToCopy",0))' "$2"
}
await_in_sync() { # volume node -> seconds waited, most regions seen to copy
  local start most=0 state regions
  start=$(date +%s.%N)
  while :; do
    read -r state regions < <(copy_state "$1" "$2")
    [ "$regions" -gt "$most" ] && most=$regions
    [ "$state" = in-sync ] && break
    sleep 0.2
  done
  echo "$(python3 -c "print(f'{$(date +%s.%N)-$start:.1f}')") $most"
}
wharf_a volume create big --size "$resync_size" --repl 2 --nodes node-a,node-b >/dev/null
# with flushes, as a filesystem issues them: the activity logs settle what stays idle
fio --name=fill --ioengine=nbd --uri="$(a_uri big)" --rw=write --bs=1m --iodepth=8 --size="$resync_size" --fsync=64 >/dev/null 2>&1
fio --name=settle --ioengine=nbd --uri="$(a_uri big)" --rw=randwrite --bs=4k --size=4m --fsync=1 --time_based --runtime=3 >/dev/null 2>&1
kill -9 "${pid[b]}"; wait "${pid[b]}" 2>/dev/null || true
# 5% of the volume in scattered 1 MiB writes (the target marks node-b out of sync at the first one)
changed_mib=$(python3 -c "import re;s='$resync_size';u={'g':1024,'m':1,'t':1048576}[s[-1].lower()];print(int(float(s[:-1])*u*0.05))")
fio --name=change --ioengine=nbd --uri="$(a_uri big)" --rw=randwrite --bs=1m --iodepth=8 --size="$resync_size" \
    --number_ios="$changed_mib" --randrepeat=0 >/dev/null 2>&1
start_node b
read -r resync_s resync_regions < <(await_in_sync big node-b)
wharf_a volume update big --repl 3 >/dev/null
read -r rebuild_s rebuild_regions < <(await_in_sync big node-c)
{
  echo
  echo "resync vs rebuild: $resync_size volume with 2 replicas, region 1 MiB, resync bandwidth $bandwidth (0: unlimited)"
  printf '%-34s %10s %16s\n' step seconds "copied (regions)"
  printf '%-34s %10s %16s\n' "resync after ${changed_mib} MiB changed" "$resync_s" "$resync_regions"
  printf '%-34s %10s %16s\n' "rebuild of a new replica" "$rebuild_s" "$rebuild_regions"
  echo "resync/rebuild time: $(ratio "$resync_s" "$rebuild_s")   copied: $(ratio "$resync_regions" "$rebuild_regions")"
  wharf_a volume checksum big | sed 's/^/  /'
} | tee -a "$out"
echo "results in $out"
