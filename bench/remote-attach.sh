#!/usr/bin/env bash
# Remote attach: the fio mix of bench/fio-compare.sh through a target on node A against a volume
# whose data is on node B (A reaches it over the replication transport), side by side in the same
# run with the same volume served locally by B and with nbdkit's file plugin. Prints the ratios.
# A second baseline moves the same data in C: nbdkit's nbd plugin (the "target") forwarding every
# request over NBD to a second nbdkit serving the file (the "data"), both on this machine, so its
# CPU time includes the loopback hop that nbdkit alone never pays.
#
#   bench/remote-attach.sh          # RUNTIME=15 seconds per job, SIZE=1g working set
#   ONLY='seq|fsync' REPEAT=3 bench/remote-attach.sh   # the jobs whose names match, each 3 times
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runtime="${RUNTIME:-15}"
size="${SIZE:-1g}"
work="$(mktemp -d "${BENCH_DIR:-$here/bench}/.remote.XXXXXX")"
results="$here/bench/results"
mkdir -p "$results"
out="$results/remote-attach-$(date -u +%Y%m%dT%H%M%SZ).txt"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
pids=(); etcd_pid=""; kit_pid=""; proxy_pids=()
cleanup() {
  for pid in "${pids[@]}" "${proxy_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}" "${proxy_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$kit_pid" ] && kill "$kit_pid" 2>/dev/null && wait "$kit_pid" 2>/dev/null || true
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/wharf" --version >/dev/null
start_etcd

declare -A api nbd
for n in a b; do
  api[$n]="$(free_port)"; nbd[$n]="$(free_port)"
  "$here/wharf" node start --cluster "$etcd_url" --node-id "node-$n" --data-dir "$work/node-$n" \
    --api-port "${api[$n]}" --nbd-port "${nbd[$n]}" --repl-port "$(free_port)" >"$work/node-$n.log" 2>&1 &
  pids+=("$!")
done
for n in a b; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:${api[$n]}/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
done
wharf_b() { "$here/wharf" --endpoint "http://127.0.0.1:${api[b]}" "$@"; }
wharf_b volume create local --size 4GiB --nodes node-b >/dev/null
wharf_b volume create remote --size 4GiB --nodes node-b >/dev/null
"$here/wharf" --endpoint "http://127.0.0.1:${api[a]}" volume attach remote >/dev/null

truncate -s 4G "$work/nbdkit.img"
kit_port="$(free_port)"
nbdkit -f -i 127.0.0.1 -p "$kit_port" --exit-with-parent file "$work/nbdkit.img" >"$work/nbdkit.log" 2>&1 &
kit_pid=$!
wait_for_nbd "nbd://127.0.0.1:$kit_port"

truncate -s 4G "$work/proxied.img"
data_port="$(free_port)"; proxy_port="$(free_port)"
nbdkit -f -i 127.0.0.1 -p "$data_port" --exit-with-parent file "$work/proxied.img" >"$work/nbdkit-data.log" 2>&1 &
proxy_pids+=("$!")
wait_for_nbd "nbd://127.0.0.1:$data_port"
nbdkit -f -i 127.0.0.1 -p "$proxy_port" --exit-with-parent nbd hostname=127.0.0.1 port="$data_port" >"$work/nbdkit-proxy.log" 2>&1 &
proxy_pids+=("$!")
wait_for_nbd "nbd://127.0.0.1:$proxy_port"

costs=()
remote="nbd://127.0.0.1:${nbd[a]}/remote"; local_uri="nbd://127.0.0.1:${nbd[b]}/local"; kit="nbd://127.0.0.1:$kit_port"
proxy="nbd://127.0.0.1:$proxy_port"
# warm-up: the node JVMs compile their I/O paths, flushes included, before anything is measured
for uri in "$remote" "$local_uri" "$kit" "$proxy"; do fio_iops "$uri" --rw=randrw --bs=64k --iodepth=8 --fsync=4 --runtime=8 >/dev/null; done

{
  echo "remote attach: target node A, data on node B, over loopback; same run as B serving locally and nbdkit ($(date -u +%FT%TZ))"
  echo "runtime ${runtime}s per job, working set $size, $(nproc) cores"
  printf '%-22s %9s %9s %9s %9s %13s %12s %12s\n' job remote local nbdkit proxy remote/nbdkit remote/local remote/proxy
  for entry in "${fio_mix[@]}"; do
    name="${entry%%|*}"; args="${entry#*|}"
    [[ "$name" =~ ${ONLY:-.} ]] || continue
    for _ in $(seq 1 "${REPEAT:-1}"); do
    # shellcheck disable=SC2086
    r=$(fio_iops_cost "${pids[*]}" "$remote" $args); rc=$(<"$work/cost")
    # shellcheck disable=SC2086
    l=$(fio_iops_cost "${pids[*]}" "$local_uri" $args); lc=$(<"$work/cost")
    # shellcheck disable=SC2086
    k=$(fio_iops_cost "$kit_pid" "$kit" $args); kc=$(<"$work/cost")
    # shellcheck disable=SC2086
    p=$(fio_iops_cost "${proxy_pids[*]}" "$proxy" $args); pc=$(<"$work/cost")
    printf '%-22s %9s %9s %9s %9s %13.2f %12.2f %12.2f\n' "$name" "$r" "$l" "$k" "$p" \
      "$(python3 -c "print($r/max($k,1))")" "$(python3 -c "print($r/max($l,1))")" "$(python3 -c "print($r/max($p,1))")"
    costs+=("$(printf '%-22s %9s %9s %9s %9s' "$name" "$rc" "$lc" "$kc" "$pc")")
    done
  done
  echo
  echo "CPU time per I/O in µs (both node processes for remote and local, nbdkit for nbdkit, both nbdkits for proxy;"
  echo "$(nproc) cores shared by all)"
  printf '%-22s %9s %9s %9s %9s\n' job remote local nbdkit proxy
  printf '%s\n' "${costs[@]}"
} | tee "$out"
echo "results in $out"
