package io.wharf.api;

import java.util.List;

/**
 * What the Wharf REST API offers, as a Java interface. The node implements it; {@code ApiClient}
 * implements it over HTTP; {@code ApiServer} exposes an implementation over HTTP. So the CLI,
 * the CSI driver and tests all speak to the same contract.
 *
 * <p>Every method throws {@link io.wharf.core.WharfException} with a stable code on refusal.
 */
public interface WharfApi {
    VolumeInfo createVolume(VolumeCreate request);

    /** Every volume of the cluster. */
    default List<VolumeInfo> listVolumes() {
        return listVolumes(null);
    }

    /** The volumes whose data node {@code node} holds, or every volume when {@code node} is null. */
    List<VolumeInfo> listVolumes(String node);

    VolumeInfo getVolume(String name);

    /** Grows a volume online; shrinking is refused with {@code SHRINK_NOT_SUPPORTED}. */
    VolumeInfo resizeVolume(String name, long sizeBytes);

    /** Deletes a volume; refused with {@code VOLUME_IN_USE} while clients are connected unless {@code force}. */
    void deleteVolume(String name, boolean force);

    /**
     * Takes a crash-consistent snapshot of a volume, O(1) whatever its size; {@code name} may be
     * null for a generated one. Refused with {@code SNAPSHOT_EXISTS} or {@code SNAPSHOT_LIMIT}.
     */
    SnapshotInfo createSnapshot(String volume, String name);

    /**
     * Takes one crash-consistent cut across volumes: I/O is held on all of them at one point, then
     * each gets a snapshot named {@code group}. All or nothing: on failure no snapshot of the group
     * remains.
     */
    List<SnapshotInfo> createGroupSnapshot(String group, List<String> volumes);

    /** Snapshots of one volume in creation order, or of every volume when {@code volume} is null. */
    List<SnapshotInfo> listSnapshots(String volume);

    SnapshotInfo getSnapshot(String volume, String snapshot);

    /** Deletes a snapshot; the space of blocks nothing else references goes back to the pool. */
    void deleteSnapshot(String volume, String snapshot);

    /**
     * A new writable volume that shares unchanged blocks with the source's current state
     * ({@code snapshot} null) or with one of its snapshots; created in O(1), no copy.
     */
    VolumeInfo cloneVolume(String source, String snapshot, String name, java.util.Map<String, String> labels);

    /**
     * Rolls a volume back in place to a snapshot; snapshots taken after it remain. Refused with
     * {@code VOLUME_IN_USE} while NBD clients are connected unless {@code force} (which disconnects them).
     */
    VolumeInfo revertVolume(String volume, String snapshot, boolean force);

    /**
     * Sets or clears a volume's snapshot schedule ({@code update.snapshotSchedule()}, Portworx syntax)
     * or named schedule policy ({@code update.schedulePolicy()}); a null field leaves it unchanged,
     * an empty string clears it. A volume has a schedule or a policy, not both.
     */
    VolumeInfo updateVolume(String name, VolumeUpdate update);

    /**
     * Attaches the volume to {@code node} (null: the node that answers): its NBD clients connect
     * there, and that node reaches the data over the replication transport when it lives elsewhere.
     * Attaching again to the same node is a no-op.
     *
     * @throws io.wharf.core.WharfException VOLUME_ATTACHED when it is attached to another node
     */
    default VolumeInfo attachVolume(String name, String node) {
        return attachVolume(name, node, false);
    }

    /**
     * Attaches as {@link #attachVolume(String, String)}; with {@code force}, a replicated volume
     * attached to a node that is offline is taken over (its epoch raised, so the old target is fenced).
     *
     * @throws io.wharf.core.WharfException VOLUME_ATTACHED when attached to another node that is online, or
     *                                      offline and {@code force} is not given
     */
    VolumeInfo attachVolume(String name, String node, boolean force);

    /**
     * Digests of the volume's copies, each read where it lives: every replica ({@code replica} null),
     * or only the copy on node {@code replica} (asked of that node).
     */
    VolumeChecksum checksumVolume(String name, String replica);

    /** Detaches the volume: the node holding its data serves it again. Detaching a detached volume is a no-op. */
    VolumeInfo detachVolume(String name);

    /** A named schedule that volumes can refer to. Refused with {@code POLICY_EXISTS}. */
    PolicyInfo createPolicy(String name, String schedule);

    List<PolicyInfo> listPolicies();

    PolicyInfo getPolicy(String name);

    /** Refused with {@code POLICY_IN_USE} while a volume refers to it. */
    void deletePolicy(String name);

    List<PoolInfo> listPools();

    ClusterInfo clusterStatus();

    /** Every node that joined the cluster, online or not, by id. */
    List<NodeInfo> listNodes();

    /** @throws io.wharf.core.WharfException NODE_NOT_FOUND */
    NodeInfo getNode(String id);

    /**
     * Enters ({@code true}) or exits maintenance: a node in maintenance gets no new placements;
     * what it serves keeps working. The flag stays while the node is offline.
     *
     * @throws io.wharf.core.WharfException NODE_NOT_FOUND
     */
    NodeInfo setNodeMaintenance(String id, boolean maintenance);

    /**
     * Removes a node from the cluster, so its id can be used again. The node must be offline and
     * hold no volume's data.
     *
     * @throws io.wharf.core.WharfException NODE_NOT_FOUND; NODE_IN_USE while it is online or holds
     *                                      the only copy of a volume (the message names them)
     */
    void decommissionNode(String id);

    VersionInfo version();
}
