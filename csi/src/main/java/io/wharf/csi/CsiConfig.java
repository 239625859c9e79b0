package io.wharf.csi;

import io.wharf.api.client.ApiClient;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the CSI server needs, validated once.
 *
 * @param socket      the unix socket to serve on (from {@code unix:///path/csi.sock})
 * @param nodeId      the Wharf node id of the machine this process runs on (NodeGetInfo, NodeStage)
 * @param api         a Wharf node's REST API
 * @param stateDir    where the node service records what it staged and published
 *                    ({@code /run/wharf/csi}); cleared at boot, as are the mounts it describes
 * @param driverName  the CSI driver name ({@code csi.wharf.io}), as in the CSIDriver object
 * @param stepTimeout the longest wait for one mount step (nbdfuse to start, a tool to finish)
 */
public record CsiConfig(Path socket, String nodeId, URI api, Path stateDir, String driverName, Duration stepTimeout) {
    public static final String DEFAULT_DRIVER_NAME = "csi.wharf.io";
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/wharf/csi");

    public CsiConfig {
        Objects.requireNonNull(socket, "socket");
        Names.requireValid("node", nodeId);
        ApiClient.validate(api);
        Objects.requireNonNull(stateDir, "stateDir");
        if (!socket.isAbsolute() || !stateDir.isAbsolute()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "the socket and state paths must be absolute",
                    "give --endpoint unix:///csi/csi.sock and an absolute --state-dir");
        }
        if (stepTimeout.isNegative() || stepTimeout.isZero()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "step timeout must be positive", "e.g. 60s");
        }
    }

    /** The socket path of a CSI endpoint: {@code unix:///csi/csi.sock} or {@code unix:/csi/csi.sock}. */
    public static Path parseEndpoint(String endpoint) {
        if (endpoint == null || !endpoint.startsWith("unix:")) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "endpoint '" + endpoint + "' is not a unix socket",
                    "CSI plugins serve on a unix socket: --endpoint unix:///csi/csi.sock (or set CSI_ENDPOINT)");
        }
        String path = URI.create(endpoint).getPath();
        if (path == null || path.isEmpty()) {
            path = endpoint.substring("unix:".length());
        }
        Path socket = Path.of(path);
        if (!socket.isAbsolute()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "endpoint '" + endpoint + "' is not an absolute path",
                    "write it like unix:///csi/csi.sock");
        }
        return socket;
    }
}
