package io.wharf.csi.controller;

import csi.v1.Csi;
import io.wharf.api.NodeInfo;
import io.wharf.csi.Topology;
import java.util.Map;
import java.util.Objects;

/** Whether a node lies in a CSI topology segment map ({@code topology.wharf.io/zone|rack|node}). */
final class NodeMatch {
    private NodeMatch() {}

    static boolean matches(NodeInfo node, Csi.Topology topology) {
        for (Map.Entry<String, String> segment : topology.getSegmentsMap().entrySet()) {
            String actual = switch (segment.getKey()) {
                case Topology.ZONE -> node.zone();
                case Topology.RACK -> node.rack();
                case Topology.NODE -> node.id();
                default -> null;
            };
            if (!Objects.equals(actual, segment.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** The topology a node reports: its id, and its zone and rack when it has them. */
    static Csi.Topology of(NodeInfo node) {
        Csi.Topology.Builder topology = Csi.Topology.newBuilder().putSegments(Topology.NODE, node.id());
        if (node.zone() != null) {
            topology.putSegments(Topology.ZONE, node.zone());
        }
        if (node.rack() != null) {
            topology.putSegments(Topology.RACK, node.rack());
        }
        return topology.build();
    }
}
