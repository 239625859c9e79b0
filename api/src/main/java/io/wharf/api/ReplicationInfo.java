package io.wharf.api;

import java.util.List;

/**
 * A replicated volume's replication as the API shows it.
 *
 * @param repl     how many replicas the volume has
 * @param epoch    raised by every attach; replicas refuse requests of a lower epoch
 * @param target   the node serving the volume at this epoch, or null before its first attach
 * @param replicas each replica's node and state, the first on the volume's node
 */
public record ReplicationInfo(int repl, long epoch, String target, List<Replica> replicas) {
    public ReplicationInfo {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }

    /**
     * One replica.
     *
     * @param state         {@code in-sync}, {@code resyncing}, {@code out-of-sync} or {@code rebuilding}
     * @param regionsCopied while resyncing or rebuilding: regions copied so far (as the target reports them), else 0
     * @param regionsToCopy while resyncing or rebuilding: regions to copy in all, else 0
     */
    public record Replica(String node, String state, long regionsCopied, long regionsToCopy) {}
}
