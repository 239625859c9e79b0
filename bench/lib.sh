# Shared by the bench scripts: source it after setting `work` (the run's scratch directory).

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

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
