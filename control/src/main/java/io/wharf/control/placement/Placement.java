package io.wharf.control.placement;

import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Chooses the nodes that hold a volume's copies. A pure function of the nodes' state and the
 * request, so it is tested without a cluster: candidates are the online nodes with a pool, not in
 * maintenance, that pass the request's constraints and can provision the size; copies go to
 * distinct zones first, then distinct racks, then the nodes with the most free space (ties by id,
 * so the choice is deterministic). A refusal names the constraint that could not be met.
 */
public final class Placement {
    private Placement() {}

    /** A node as placement sees it. {@code provisionableBytes} is capacity times overcommit less what is provisioned. */
    public record Candidate(String id, String zone, String rack, boolean online, boolean maintenance, boolean storageless,
                            long freeBytes, long provisionableBytes, Map<String, String> labels) {
        public Candidate {
            Objects.requireNonNull(id, "id");
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    /**
     * What a volume needs.
     *
     * @param copies    how many nodes hold the data (the replication factor)
     * @param nodes     allowed node ids, or empty for any
     * @param zones     allowed zones, or empty for any
     * @param labels    node labels every chosen node must carry
     */
    public record Request(String volume, long sizeBytes, int copies, List<String> nodes, List<String> zones,
                          Map<String, String> labels) {
        public Request {
            nodes = nodes == null ? List.of() : List.copyOf(nodes);
            zones = zones == null ? List.of() : List.copyOf(zones);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
            if (copies < 1 || copies > 3) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "a volume has 1 to 3 copies, not " + copies,
                        "give --replicas 1, 2 or 3");
            }
        }
    }

    /** The chosen node ids, best first. @throws WharfException CAPACITY_EXCEEDED or PLACEMENT_FAILED with the reason */
    public static List<String> choose(Request request, List<Candidate> nodes) {
        List<Candidate> candidates = new ArrayList<>();
        Map<String, Integer> refused = new HashMap<>();
        for (Candidate node : nodes) {
            String reason = refusal(request, node);
            if (reason == null) {
                candidates.add(node);
            } else {
                refused.merge(reason, 1, Integer::sum);
            }
        }
        if (candidates.size() < request.copies()) {
            throw refuse(request, candidates.size(), refused);
        }
        candidates.sort(Comparator.comparingLong(Candidate::provisionableBytes).reversed()
                .thenComparing(Comparator.comparingLong(Candidate::freeBytes).reversed())
                .thenComparing(Candidate::id));
        List<Candidate> chosen = new ArrayList<>();
        Set<String> zonesUsed = new HashSet<>();
        Set<String> racksUsed = new HashSet<>();
        // Three passes: a new zone, then a new rack, then any node left.
        for (int pass = 0; pass < 3 && chosen.size() < request.copies(); pass++) {
            for (Candidate node : candidates) {
                if (chosen.size() == request.copies()) {
                    break;
                }
                if (chosen.contains(node)) {
                    continue;
                }
                boolean newZone = !zonesUsed.contains(String.valueOf(node.zone()));
                boolean newRack = !racksUsed.contains(node.zone() + "/" + node.rack());
                if (pass == 0 && !newZone || pass == 1 && !newRack) {
                    continue;
                }
                chosen.add(node);
                zonesUsed.add(String.valueOf(node.zone()));
                racksUsed.add(node.zone() + "/" + node.rack());
            }
        }
        return chosen.stream().map(Candidate::id).toList();
    }

    /** Why a node cannot hold the volume, or null when it can. */
    private static String refusal(Request request, Candidate node) {
        if (!node.online()) {
            return "offline";
        }
        if (node.storageless()) {
            return "storage-less";
        }
        if (node.maintenance()) {
            return "in maintenance";
        }
        if (!request.nodes().isEmpty() && !request.nodes().contains(node.id())) {
            return "not in --nodes " + String.join(",", request.nodes());
        }
        if (!request.zones().isEmpty() && !request.zones().contains(node.zone())) {
            return "not in --zones " + String.join(",", request.zones());
        }
        for (Map.Entry<String, String> label : request.labels().entrySet()) {
            if (!label.getValue().equals(node.labels().get(label.getKey()))) {
                return "without label " + label.getKey() + "=" + label.getValue();
            }
        }
        if (node.provisionableBytes() < request.sizeBytes()) {
            return "without room for " + ByteSize.format(request.sizeBytes());
        }
        return null;
    }

    private static WharfException refuse(Request request, int fit, Map<String, Integer> refused) {
        List<String> reasons = refused.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getValue() + " " + e.getKey()).toList();
        String what = "volume '" + request.volume() + "' needs " + request.copies() + " node" + (request.copies() == 1 ? "" : "s")
                + " and " + fit + " can take it" + (!reasons.isEmpty() ? ": " + String.join("; ", reasons)
                : fit == 0 ? " (the cluster has no nodes)" : " (the cluster has no more nodes)");
        // The room check comes last, so a node refused for room met every other constraint: room is what is missing.
        boolean roomMissing = refused.keySet().stream().anyMatch(r -> r.startsWith("without room"));
        if (roomMissing) {
            return new WharfException(ErrorCode.CAPACITY_EXCEEDED, what,
                    "use a smaller size, free space, or add nodes with storage");
        }
        return new WharfException(ErrorCode.PLACEMENT_FAILED, what,
                "relax --nodes/--zones/labels, bring nodes back online or out of maintenance, or ask for fewer replicas (--repl)");
    }
}
