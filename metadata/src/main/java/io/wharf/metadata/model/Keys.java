package io.wharf.metadata.model;

import io.wharf.core.Names;
import java.util.Optional;

/**
 * The key layout of the cluster store. Every key is under {@value #ROOT}; the {@code v1}
 * changes only if the layout itself changes (a migration), not when a record gains a field.
 *
 * <pre>
 * /wharf/v1/cluster            ClusterRecord
 * /wharf/v1/volumes/&lt;name&gt;    VolumeRecord
 * /wharf/v1/nodes/&lt;id&gt;        NodeRecord (stays while the node is down)
 * /wharf/v1/live/&lt;id&gt;         NodeLiveness (attached to the node's lease)
 * </pre>
 */
public final class Keys {
    public static final String ROOT = "/wharf/v1/";
    public static final String VOLUMES = ROOT + "volumes/";
    public static final String NODES = ROOT + "nodes/";
    public static final String LIVE = ROOT + "live/";
    public static final String SNAPSHOTS = ROOT + "snapshots/";
    public static final String POLICIES = ROOT + "policies/";
    public static final String BACKUP_TARGETS = ROOT + "backup-targets/";
    public static final String BACKUP_JOBS = ROOT + "backup-jobs/";
    public static final String BACKUP_SCHEDULES = ROOT + "backup-schedules/";
    private static final String CLUSTER = ROOT + "cluster";

    private Keys() {}

    public static String cluster() {
        return CLUSTER;
    }

    /** The key of a volume; the name must be a valid volume name, so it cannot contain '/'. */
    public static String volume(String name) {
        return VOLUMES + Names.requireValid("volume", name);
    }

    /** The prefix to range or watch over all volumes. */
    public static String volumes() {
        return VOLUMES;
    }

    /** The key of a snapshot: {@code /wharf/v1/snapshots/<volume>/<snapshot>}. */
    public static String snapshot(String volume, String name) {
        return snapshots(volume) + Names.requireValid("snapshot", name);
    }

    /** The prefix over one volume's snapshots. */
    public static String snapshots(String volume) {
        return SNAPSHOTS + Names.requireValid("volume", volume) + "/";
    }

    /** The prefix over every snapshot. */
    public static String snapshots() {
        return SNAPSHOTS;
    }

    /** The key of a schedule policy. */
    public static String policy(String name) {
        return POLICIES + Names.requireValid("policy", name);
    }

    public static String policies() {
        return POLICIES;
    }

    /** The key of a backup target. */
    public static String backupTarget(String name) {
        return BACKUP_TARGETS + Names.requireValid("backup target", name);
    }

    public static String backupTargets() {
        return BACKUP_TARGETS;
    }

    /** The key of a background backup or restore job. */
    public static String backupJob(String id) {
        return BACKUP_JOBS + Names.requireValid("backup job", id);
    }

    public static String backupJobs() {
        return BACKUP_JOBS;
    }

    /** The key of a volume's backup schedule. */
    public static String backupSchedule(String volume) {
        return BACKUP_SCHEDULES + Names.requireValid("volume", volume);
    }

    public static String backupSchedules() {
        return BACKUP_SCHEDULES;
    }

    public static String node(String id) {
        return NODES + Names.requireValid("node", id);
    }

    /** The liveness key of a node, attached to its lease. */
    public static String live(String id) {
        return LIVE + Names.requireValid("node", id);
    }

    /** The prefix over every node's liveness key. */
    public static String live() {
        return LIVE;
    }

    /** The prefix to range or watch over all nodes. */
    public static String nodes() {
        return NODES;
    }

    /** The volume name in a key under {@link #volumes()}, if it is one. */
    public static Optional<String> volumeName(String key) {
        return lastSegment(key, VOLUMES);
    }

    /** The node id in a key under {@link #live()}, if it is one. */
    public static Optional<String> liveId(String key) {
        return lastSegment(key, LIVE);
    }

    /** The node id in a key under {@link #nodes()}, if it is one. */
    public static Optional<String> nodeId(String key) {
        return lastSegment(key, NODES);
    }

    private static Optional<String> lastSegment(String key, String prefix) {
        if (key == null || !key.startsWith(prefix) || key.length() == prefix.length()) {
            return Optional.empty();
        }
        String rest = key.substring(prefix.length());
        return rest.contains("/") ? Optional.empty() : Optional.of(rest);
    }
}
