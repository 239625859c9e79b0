# Shared by the bench scripts: source it after setting `work` (the run's scratch directory).

# A free TCP port on loopback, never one handed out before in this run (they are remembered in
# $work/.ports), and below the ephemeral range, so no outgoing connection takes it before its
# server binds it (a port from bind(0) was once answered by another process's NBD server).
free_port() {
  python3 - "${work:-/tmp}/.ports" <<'PY'
import random, socket, sys
try:
    used = set(open(sys.argv[1]).read().split())
except FileNotFoundError:
    used = set()
low, _ = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
for _ in range(1000):
    port = random.randrange(max(1024, low - 12000), low)
    if str(port) in used:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    with open(sys.argv[1], "a") as f:
        f.write(f"{port}\n")
    print(port)
    break
else:
    sys.exit("no free port below the ephemeral range")
PY
}

# Starts a single-member etcd on free loopback ports with its data in $work/etcd; sets etcd_pid
# and etcd_url (etcd://127.0.0.1:PORT, as `wharf node start --cluster` takes it).
start_etcd() {
  local client_port peer_port
  client_port="$(free_port)"; peer_port="$(free_port)"
  etcd --name bench --data-dir "$work/etcd" \
    --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "bench=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  etcd_url="etcd://127.0.0.1:$client_port"
}

# Waits (up to 10 s) until an NBD server answers at the URI.
wait_for_nbd() {
  for _ in $(seq 1 100); do nbdinfo "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no NBD server at $1" >&2; return 1
}

# Runs a benchmark main class from a module's test sources: builds them offline, copies the classes
# (a build of another module may rewrite MODULE/target meanwhile), writes TITLE and the output to
# $out. Needs `here`, `work` and `out`; sets and clears `bench_pid` (kill it in the cleanup trap).
#   module_bench storage io.wharf.storage.bench.SnapshotReadBench "title" ARGS...
module_bench() {
  local module=$1 main=$2 title=$3
  shift 3
  (cd "$here" && ./mvnw -q -o -pl "$module" test-compile \
    && ./mvnw -q -o -pl "$module" dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$work/classpath")
  cp -r "$here/$module/target/classes" "$work/classes"
  cp -r "$here/$module/target/test-classes" "$work/test-classes"
  local cp="$work/test-classes:$work/classes:$(cat "$work/classpath")"
  echo "$title ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$out"
  "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -cp "$cp" \
      "$main" dir="$work/data" "$@" > >(tee -a "$out") 2> >(grep -v '^SLF4J' >&2) &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
  echo "results in $out"
}

# The fio mix every NBD comparison runs (name|fio arguments), after bench/fio-compare.sh.
fio_mix=(
  "seq-write-1m-qd8|--rw=write --bs=1m --iodepth=8"
  "seq-read-1m-qd8|--rw=read --bs=1m --iodepth=8"
  "rand-write-4k-qd32|--rw=randwrite --bs=4k --iodepth=32"
  "rand-read-4k-qd32|--rw=randread --bs=4k --iodepth=32"
  "write-4k-fsync-each|--rw=randwrite --bs=4k --iodepth=1 --fsync=1"
)

# CPU time (user and system, in clock ticks of 1/100 s) the processes have used so far.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }

# As fio_iops, and writes to $work/cost the CPU time (µs) the processes PIDS spent per I/O, ramp
# included, and to $work/fio_cost fio's own (from its report): what bounds throughput when every
# process shares the machine's cores.
#   fio_iops_cost "pid1 pid2" URI fio-args...
fio_iops_cost() {
  local pids=$1 uri=$2 before iops
  shift 2
  # shellcheck disable=SC2086
  before=$(cpu_ticks $pids)
  iops=$(fio_iops "$uri" "$@")
  # shellcheck disable=SC2086
  python3 -c "print(round(($(cpu_ticks $pids) - $before) * 10000 / max($iops * ($runtime + 2), 1)))" >"$work/cost"
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; print(round((j["usr_cpu"]+j["sys_cpu"])*1e4/max(j["read"]["iops"]+j["write"]["iops"],1)))' \
    "$work/fio.json" >"$work/fio_cost"
  echo "$iops"
}

# One time-based fio job over NBD with the caller's $size, $runtime and $work; prints its IOPS.
fio_iops() { # uri, job args
  local uri=$1; shift
  fio --name=bench --ioengine=nbd --uri="$uri" --size="$size" --time_based --runtime="$runtime" --output="$work/fio.json" \
      --ramp_time=2 --randrepeat=0 --group_reporting --output-format=json "$@" >"$work/fio.out" 2>&1 || { cat "$work/fio.out" >&2; return 1; }
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; print(round(j["read"]["iops"]+j["write"]["iops"]))' "$work/fio.json"
}
