package io.wharf.node.transport;

import io.wharf.nbd.NbdExport;
import io.wharf.nbd.NbdExports;
import io.wharf.nbd.NbdServer;
import io.wharf.nbd.NbdServerConfig;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A target serving NBD for a volume whose data is in another "node" of the same process, for
 * {@code bench/replication-transport.sh}: export {@code remote} goes through a {@link RemoteVolume}
 * and a {@link ReplicaServer} over loopback; export {@code local} is the same pool volume called
 * directly. Prints {@code READY <nbd port>}, then serves until its standard input ends. Arguments:
 * {@code <pool directory> <volume size MiB> [client connections (2)] [NBD I/O threads (64)]}.
 */
public final class RemoteTargetMain {
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long sizeBytes = Long.parseLong(args[1]) << 20;
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : ReplicaClientConfig.DEFAULT_CONNECTIONS;
        int ioThreads = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        try (Pool pool = Pool.open(directory, PoolConfig.defaults());
                ReplicaServer replicas = new ReplicaServer(ReplicaServerConfig.of("127.0.0.1", 0, "bench", "node-b"), pool)) {
            replicas.start();
            var local = pool.create("bench", sizeBytes);
            try (ReplicaClient client = new ReplicaClient(ReplicaClientConfig.of("127.0.0.1", replicas.port(), "bench", "node-a")
                    .withConnections(connections));
                    RemoteVolume remote = client.open("bench", 1)) {
                Map<String, NbdExport> exports = Map.of("local", new VolumeNbdExport("local", local),
                        "remote", new VolumeNbdExport("remote", remote));
                NbdServerConfig config = new NbdServerConfig("127.0.0.1", 0, 64, 64, 32 << 20, ioThreads);
                try (NbdServer nbd = new NbdServer(config, new NbdExports() {
                    @Override
                    public Optional<NbdExport> find(String name) {
                        return Optional.ofNullable(exports.get(name));
                    }

                    @Override
                    public List<String> names() {
                        return List.copyOf(exports.keySet());
                    }
                })) {
                    nbd.start();
                    System.out.println("READY " + nbd.port());
                    System.out.flush();
                    while (System.in.read() >= 0) {
                        // serve until the script closes our input
                    }
                }
            }
        }
    }
}
