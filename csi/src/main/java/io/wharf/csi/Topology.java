package io.wharf.csi;

/** The topology keys Wharf reports: a node's zone, rack and id (Kubernetes node labels of the same names). */
public final class Topology {
    public static final String ZONE = "topology.wharf.io/zone";
    public static final String RACK = "topology.wharf.io/rack";
    public static final String NODE = "topology.wharf.io/node";

    private Topology() {}
}
