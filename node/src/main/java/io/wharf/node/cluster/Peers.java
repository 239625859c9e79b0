package io.wharf.node.cluster;

import io.wharf.api.BackupApi;
import io.wharf.api.WharfApi;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other nodes' APIs, so that any node answers any request: a request about a volume whose
 * data another node holds is passed to that node, which answers it from its own pool.
 */
public final class Peers {
    private final Membership membership;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    private record Client(String apiAddress, ApiClient api) {}

    public Peers(Membership membership) {
        this.membership = membership;
    }

    /** Empty when {@code nodeId} is this node; else the API of that node. */
    public Optional<WharfApi> owner(String nodeId, String what) {
        return client(nodeId, what).map(c -> c);
    }

    /** Empty when {@code nodeId} is this node; else the backup API of that node. */
    public Optional<BackupApi> backups(String nodeId, String what) {
        return client(nodeId, what).map(c -> c);
    }

    private Optional<ApiClient> client(String nodeId, String what) {
        if (membership.nodeId().equals(nodeId)) {
            return Optional.empty();
        }
        Membership.NodeView node = membership.node(nodeId);
        if (!node.online()) {
            throw new WharfException(ErrorCode.UNAVAILABLE, what + " is on node '" + nodeId + "', which is offline",
                    "start node '" + nodeId + "' again; `wharf node list` shows the nodes");
        }
        String address = node.record().apiAddress();
        Client client = clients.compute(nodeId, (id, known) -> known != null && known.apiAddress().equals(address) ? known
                : new Client(address, new ApiClient(URI.create("http://" + address))));
        return Optional.of(client.api());
    }
}
