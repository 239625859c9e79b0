#!/usr/bin/env bash
# Synchronous replication: the fio mix of bench/fio-compare.sh on volumes with 1, 2 and 3 replicas
# (replicas in other node processes over loopback, every volume served by node A), side by side in
# the same run with nbdkit's file plugin; then resync of a volume with 5% changed against a full
# rebuild of a new replica: time and bytes copied; and the rebuild of a new replica of that volume
# once it has two snapshots, which are written to the copy first.
#
# A second baseline does the same data movement in C: qemu-nbd's quorum driver over a local file and
# one (q2) or two (q3) other nbdkit processes reached over NBD, every write on all of them before it
# is acknowledged. With every process on one machine, each copy's socket and page-cache copies cost
# CPU time that nbdkit alone never spends, so the r2/q2 and r3/q3 columns say how Wharf does against
# the same work, and r2/kit and r3/kit against a single copy.
#
#   bench/replication.sh                      # RUNTIME=15 s per job, SIZE=1g working set, RESYNC_SIZE=10g
#   ONLY='seq|rand' REPEAT=2 bench/replication.sh
#   SKIP_RESYNC=1 bench/replication.sh        # only the fio mix
#   KEEP_LOGS=1 bench/replication.sh          # keep the processes' logs next to the results
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
etcd_pid=""; kit_pid=""; quorum_pids=()
cleanup() {
  for n in "${!pid[@]}"; do kill "${pid[$n]}" 2>/dev/null || true; done
  for n in "${!pid[@]}"; do wait "${pid[$n]}" 2>/dev/null || true; done
  # all at once: an nbdkit waits for its client, the qemu-nbd in front of it, to go before it exits
  for p in "${quorum_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${quorum_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$kit_pid" ] && kill "$kit_pid" 2>/dev/null && wait "$kit_pid" 2>/dev/null || true
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null || true
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "${out%.txt}-logs" && cp "$work"/*.log "${out%.txt}-logs/" 2>/dev/null || true; fi
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

# The C baseline of the same topology: nbdkit processes B and C serve the other copies (one file
# each per quorum, from a directory: the export name is the file name), qemu-nbd the quorum.
mkdir -p "$work/kit-b" "$work/kit-c"
truncate -s 4G "$work/kit-b/q2.img" "$work/kit-b/q3.img" "$work/kit-c/q3.img" "$work/q2.img" "$work/q3.img"
declare -A kit_dir_port
for n in b c; do
  kit_dir_port[$n]="$(free_port)"
  nbdkit -f -i 127.0.0.1 -p "${kit_dir_port[$n]}" --exit-with-parent file dir="$work/kit-$n" >"$work/nbdkit-$n.log" 2>&1 &
  quorum_pids+=("$!")
done
declare -A quorum_port
quorum() { # name remote-nodes...: qemu-nbd serving a quorum of $work/<name>.img and <name>.img on each remote nbdkit
  local name=$1 i=1 n opts
  shift
  opts="driver=quorum,vote-threshold=$(($# + 1)),read-pattern=fifo"
  opts+=",children.0.driver=raw,children.0.file.driver=file,children.0.file.filename=$work/$name.img,children.0.file.aio=threads"
  for n in "$@"; do
    opts+=",children.$i.driver=raw,children.$i.file.driver=nbd,children.$i.file.export=$name.img"
    opts+=",children.$i.file.server.type=inet,children.$i.file.server.host=127.0.0.1,children.$i.file.server.port=${kit_dir_port[$n]}"
    i=$((i + 1))
  done
  quorum_port[$name]="$(free_port)"
  # glibc would map and unmap each 1 MiB request buffer: the page faults alone made qemu-nbd serving a
  # plain file 10 times slower than nbdkit on 1 MiB requests here (about 300 IOPS); from the heap it
  # keeps pace with nbdkit
  MALLOC_MMAP_THRESHOLD_=67108864 qemu-nbd --image-opts "$opts" -b 127.0.0.1 -p "${quorum_port[$name]}" -t --cache=writeback >"$work/qemu-$name.log" 2>&1 &
  quorum_pids+=("$!")
  wait_for_nbd "nbd://127.0.0.1:${quorum_port[$name]}"
}
for n in b c; do wait_for_nbd "nbd://127.0.0.1:${kit_dir_port[$n]}/q3.img"; done
quorum q2 b
quorum q3 b c

a_uri() { echo "nbd://127.0.0.1:${nbd[a]}/$1"; }
kit="nbd://127.0.0.1:$kit_port"
q2="nbd://127.0.0.1:${quorum_port[q2]}"; q3="nbd://127.0.0.1:${quorum_port[q3]}"
for uri in "$(a_uri r1)" "$(a_uri r2)" "$(a_uri r3)" "$kit" "$q2" "$q3"; do # lay the working set down once everywhere
  fio --name=fill --ioengine=nbd --uri="$uri" --size="$size" --rw=write --bs=1m --iodepth=8 >/dev/null 2>&1
done
for img in kit-b/q2.img kit-b/q3.img kit-c/q3.img; do # the quorums wrote every copy, not only their local one
  [ "$(du -k "$work/$img" | cut -f1)" -ge $(($(numfmt --from=iec "${size^^}") / 1024)) ] \
    || { echo "the quorum's copy $img does not hold the working set" >&2; exit 1; }
done
# Steady state, as bench/remote-attach.sh measures: the node JVMs compile their I/O paths during a
# short mixed job on every volume first (otherwise the first job, seq-write, pays for much of it:
# about 15% of the node processes' CPU time went to the JIT compiler in a cold seq-write run). It
# flushes every few writes, so the flush path is compiled too before write-4k-fsync-each.
for uri in "$(a_uri r1)" "$(a_uri r2)" "$(a_uri r3)" "$kit" "$q2" "$q3"; do
  fio_iops "$uri" --rw=randrw --bs=64k --iodepth=8 --fsync=4 --runtime=8 >/dev/null
done

costs=()
ratio() { python3 -c "print(f'{$1/max($2,1):.2f}')"; }
# fio's IOPS on a URI into $work/iops, and into cost[$key] the CPU time (µs) the storage processes
# (the nodes, or nbdkit) spent per I/O.
declare -A cost
measure() { # key uri fio-args...
  local key=$1 pids="${pid[a]} ${pid[b]} ${pid[c]}"
  [ "$key" = kit ] && pids="$kit_pid"
  [[ "$key" = q* ]] && pids="${quorum_pids[*]}"
  shift
  fio_iops_cost "$pids" "$@" >"$work/iops"
  cost[$key]=$(<"$work/cost")
  cost[fio]=$(<"$work/fio_cost")
}
{
  echo "synchronous replication: volumes served by node A, replicas in node processes B and C over loopback;"
  echo "same run as nbdkit's file plugin ($(date -u +%FT%TZ)); runtime ${runtime}s per job, working set $size, $(nproc) cores"
  printf '%-22s %8s %8s %8s %8s %8s %8s %7s %7s %7s %7s %7s\n' job repl1 repl2 repl3 nbdkit q2 q3 \
    r1/kit r2/kit r3/kit r2/q2 r3/q3
  for entry in "${fio_mix[@]}"; do
    name="${entry%%|*}"; args="${entry#*|}"
    [[ "$name" =~ ${ONLY:-.} ]] || continue
    for _ in $(seq 1 "${REPEAT:-1}"); do
      declare -A iops=()
      for key in r1 r2 r3 kit q2 q3; do
        case $key in r*) uri="$(a_uri "$key")" ;; kit) uri="$kit" ;; q2) uri="$q2" ;; q3) uri="$q3" ;; esac
        # shellcheck disable=SC2086
        measure "$key" "$uri" $args; iops[$key]=$(<"$work/iops")
      done
      printf '%-22s %8s %8s %8s %8s %8s %8s %7s %7s %7s %7s %7s\n' "$name" "${iops[r1]}" "${iops[r2]}" "${iops[r3]}" \
        "${iops[kit]}" "${iops[q2]}" "${iops[q3]}" "$(ratio "${iops[r1]}" "${iops[kit]}")" "$(ratio "${iops[r2]}" "${iops[kit]}")" \
        "$(ratio "${iops[r3]}" "${iops[kit]}")" "$(ratio "${iops[r2]}" "${iops[q2]}")" "$(ratio "${iops[r3]}" "${iops[q3]}")"
      costs+=("$(printf '%-22s %8s %8s %8s %8s %8s %8s %8s' "$name" "${cost[r1]}" "${cost[r2]}" "${cost[r3]}" "${cost[kit]}" \
        "${cost[q2]}" "${cost[q3]}" "${cost[fio]}")")
    done
  done
  echo
  echo "CPU time per I/O in µs (node processes for repl1-3, nbdkit for nbdkit, qemu-nbd and its nbdkits for q2-q3,"
  echo "fio itself in the q3 run; $(nproc) cores shared by all: with every core busy, a ratio is about"
  echo "(baseline + fio) / (repl + fio))"
  printf '%-22s %8s %8s %8s %8s %8s %8s %8s\n' job repl1 repl2 repl3 nbdkit q2 q3 fio
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
# --- a new replica of a volume with snapshots: the snapshots are written to it before its rebuild ---
change_5pct() {
  fio --name=change --ioengine=nbd --uri="$(a_uri big)" --rw=randwrite --bs=1m --iodepth=8 --size="$resync_size" \
      --number_ios="$changed_mib" --randrepeat=0 >/dev/null 2>&1
}
wharf_a snapshot create big --name s1 >/dev/null
change_5pct
wharf_a snapshot create big --name s2 >/dev/null
change_5pct
holders() { wharf_a volume inspect big -o json | python3 -c '
import json,sys
print(" ".join(x["node"] for x in json.load(sys.stdin)["replication"]["replicas"]))'; }
before=" $(holders) "
wharf_a volume update big --repl 2 >/dev/null
after=" $(holders) "
removed=$(for n in $before; do [[ "$after" == *" $n "* ]] || echo "$n"; done)
big_id=$(wharf_a volume inspect big -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 1 300); do [ -e "$work/$removed/replicas/$big_id.replica" ] || break; sleep 0.2; done # its copy deleted
wharf_a volume update big --repl 3 >/dev/null
added=$(wharf_a volume inspect big -o json | python3 -c '
import json,sys
print([x["node"] for x in json.load(sys.stdin)["replication"]["replicas"] if x["state"]!="in-sync"][0])')
read -r seeded_s seeded_regions < <(await_in_sync big "$added")
{
  echo
  echo "resync vs rebuild: $resync_size volume with 2 replicas, region 1 MiB, resync bandwidth $bandwidth (0: unlimited)"
  printf '%-44s %10s %16s\n' step seconds "copied (regions)"
  printf '%-44s %10s %16s\n' "resync after ${changed_mib} MiB changed" "$resync_s" "$resync_regions"
  printf '%-44s %10s %16s\n' "rebuild of a new replica" "$rebuild_s" "$rebuild_regions"
  printf '%-44s %10s %16s\n' "snapshots s1, s2 (${changed_mib} MiB apart) + rebuild" "$seeded_s" "$seeded_regions"
  echo "resync/rebuild time: $(ratio "$resync_s" "$rebuild_s")   copied: $(ratio "$resync_regions" "$rebuild_regions")"
  echo "with snapshots/rebuild time: $(ratio "$seeded_s" "$rebuild_s") (the first snapshot's data and the second's changes are"
  echo "written first; then every region is read on both sides and only what differs is written)"
  wharf_a snapshot list big | sed 's/^/  /'
  wharf_a volume checksum big | sed 's/^/  /'
} | tee -a "$out"
echo "results in $out"
