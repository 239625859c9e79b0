package io.wharf.replication.sync;

/**
 * The target's way to one replica node: the environment's transport. {@link #open} starts a
 * session at an epoch; everything else happens on the {@link ReplicaSession}.
 */
public interface ReplicaEndpoint {
    /** The node holding the replica. */
    String nodeId();

    /**
     * Opens the volume on the replica at {@code epoch}. The replica refuses it
     * ({@link Outcome.StaleEpoch}) if it has seen a higher epoch; otherwise it makes {@code epoch}
     * durable before answering, refuses every lower epoch from then on, lets the requests of
     * earlier sessions finish (or refuses them) and answers with a session that supersedes every
     * earlier session of the volume.
     *
     * @param create create the volume (empty, {@code sizeBytes}) if the replica's pool lacks it
     */
    void open(String volumeId, long epoch, long sizeBytes, boolean create, Completion<ReplicaSession> done);
}
