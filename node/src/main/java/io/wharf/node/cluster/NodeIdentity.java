package io.wharf.node.cluster;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.UUID;

/**
 * Which node a data directory belongs to: {@code node.properties} holds the node id and an
 * instance id made on first start. A data directory never changes node; the instance id lets the
 * cluster tell a restart of this node from another machine that claims the same node id.
 */
public record NodeIdentity(String nodeId, String instance) {
    static final String FILE = "node.properties";

    /** The identity of {@code dataDir}, made on first use; refused when the directory belongs to another node id. */
    public static NodeIdentity of(Path dataDir, String nodeId) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            String owner = properties.getProperty("node-id");
            String instance = properties.getProperty("instance");
            if (owner == null || instance == null) {
                throw new WharfException(ErrorCode.DATA_DIR_INVALID, file + " lacks node-id or instance",
                        "restore the file from a backup of this data directory; do not edit it by hand");
            }
            if (!owner.equals(nodeId)) {
                throw new WharfException(ErrorCode.DATA_DIR_INVALID, "data directory " + dataDir + " belongs to node '"
                        + owner + "', not '" + nodeId + "'", "start it with --node-id " + owner + ", or give another --data-dir");
            }
            return new NodeIdentity(owner, instance);
        }
        NodeIdentity fresh = new NodeIdentity(nodeId, UUID.randomUUID().toString());
        Path staging = dataDir.resolve(FILE + ".new");
        Files.writeString(staging, "# which node this data directory belongs to; never edit\nnode-id=" + nodeId
                + "\ninstance=" + fresh.instance() + "\n", StandardCharsets.UTF_8);
        try (var channel = java.nio.channels.FileChannel.open(staging, java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(staging, file, StandardCopyOption.ATOMIC_MOVE);
        return fresh;
    }
}
