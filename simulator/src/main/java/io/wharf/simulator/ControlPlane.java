package io.wharf.simulator;

import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.simulator.check.History;
import io.wharf.simulator.world.SimNode;
import io.wharf.simulator.world.World;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the node daemons and controllers would do around the protocol: keep the volume attached
 * somewhere (attach again, with a new epoch, when the target crashed, failed or was fenced), move it
 * on request, and change the replica set. It acts only through the core's public API.
 */
final class ControlPlane {
    static final String VOLUME = "vol-1";

    private final World world;
    private final List<SimNode> nodes;
    private final History history;
    private final Consumer<ReplicatedVolume> onAttach;
    private final Consumer<ReplicatedVolume> onNewTarget;

    private SimNode targetNode;
    private int targetIncarnation;
    private ReplicatedVolume target;
    private SimNode attachingNode;
    private int attachingIncarnation;
    private long attachStartedAt;
    private boolean changingReplicas;
    private boolean growing;
    private boolean snapshotting;
    private int snapshots;
    /** Snapshots taken, with the nodes that took them and still hold a copy (a removed replica's copy goes). */
    final java.util.Map<String, List<String>> taken = new java.util.LinkedHashMap<>();

    /**
     * Full rebuilds read each chunk of the copy and skip those it holds (as after a node seeded a copy
     * with the volume's snapshots): the seed chooses, half the runs.
     */
    private final boolean compareRebuilds;

    ControlPlane(World world, List<SimNode> nodes, History history, Consumer<ReplicatedVolume> onAttach,
                 Consumer<ReplicatedVolume> onNewTarget) {
        this.world = world;
        this.compareRebuilds = world.random.nextBoolean();
        this.nodes = nodes;
        this.history = history;
        this.onAttach = onAttach;
        this.onNewTarget = onNewTarget;
    }

    /** The target if it is alive and serving, else null. */
    ReplicatedVolume serving() {
        return target != null && targetNode.alive(targetIncarnation) && target.phase() == ReplicatedVolume.Phase.SERVING ? target : null;
    }

    SimNode targetNode() {
        return targetNode;
    }

    boolean attaching() {
        return attachingNode != null && attachingNode.alive(attachingIncarnation);
    }

    /** Periodic reconciliation: attach somewhere when nothing serves. */
    void tick() {
        if (serving() == null) {
            changingReplicas = false; // a change asked of a target that died is never answered
            growing = false;
            snapshotting = false;
        }
        if (serving() == null && !attaching()) {
            List<SimNode> up = nodes.stream().filter(SimNode::up).toList();
            if (!up.isEmpty()) {
                attach(up.get(world.random.nextInt(up.size())), "no target serving");
            }
        }
    }

    /** Attaches the volume on {@code node} (a move when another target serves). */
    void attach(SimNode node, String why) {
        if (!node.up() || attaching()) {
            return;
        }
        attachingNode = node;
        attachingIncarnation = node.incarnation();
        attachStartedAt = world.loop.now();
        int incarnation = node.incarnation();
        world.trace("attach " + VOLUME + " on " + node.id + ": " + why);
        io.wharf.replication.sync.RebuildSeeder seeder = !compareRebuilds ? null
                : (volumeId, nodeId, epoch, done) -> node.scheduler().execute(() -> done.complete(Outcome.ok(true)));
        ReplicatedVolume.attach(VOLUME, node.id, node.scheduler(), node.storeClient(), node::endpoint, world.replication,
                world.listener, seeder, outcome -> {
                    if (attachingNode == node) {
                        attachingNode = null;
                    }
                    switch (outcome) {
                        case Outcome.Ok<ReplicatedVolume>(ReplicatedVolume volume) -> {
                            if (onAttach != null) {
                                onAttach.accept(volume);
                            }
                            target = volume;
                            changingReplicas = false;
                            growing = false;
                            snapshotting = false;
                            targetNode = node;
                            targetIncarnation = incarnation;
                            node.target = volume;
                            history.serving(volume.epoch(), world.loop.now());
                            world.trace("serving " + VOLUME + " on " + node.id + " at epoch " + volume.epoch());
                            onNewTarget.accept(volume);
                        }
                        default -> world.trace("attach on " + node.id + " failed: " + outcome);
                    }
                });
    }

    /**
     * Moves the target to another node that is up: half the time gracefully (the old target detaches
     * first, flushing), else as a forced attach that leaves the old target to be fenced.
     */
    void move() {
        List<SimNode> others = nodes.stream().filter(node -> node.up() && node != targetNode).toList();
        if (others.isEmpty() || attaching()) {
            return;
        }
        SimNode next = others.get(world.random.nextInt(others.size()));
        ReplicatedVolume old = serving();
        if (old != null && world.random.nextBoolean()) {
            world.trace("detach " + VOLUME + " on " + targetNode.id);
            old.detach(outcome -> {
                world.trace("detach on " + targetNode.id + ": " + outcome);
                attach(next, "move after detach");
            });
        } else {
            attach(next, "forced move");
        }
    }

    /** Removes a random replica (never below 2, and the target refuses to remove the last in sync) or adds one up to {@code replicas}. */
    void changeReplicas(int replicas) {
        ReplicatedVolume volume = serving();
        if (volume == null || changingReplicas) {
            return;
        }
        ReplicationRecord record = world.store.read(VOLUME).value();
        List<String> members = record.replicas().stream().map(ReplicaEntry::nodeId).toList();
        List<SimNode> outside = nodes.stream().filter(node -> !members.contains(node.id)).toList();
        changingReplicas = true;
        if (members.size() >= replicas && members.size() > 1) {
            String leaving = members.get(world.random.nextInt(members.size()));
            world.trace("remove replica " + leaving);
            volume.removeReplica(leaving, outcome -> {
                changingReplicas = false;
                if (outcome instanceof Outcome.Ok<Void>) { // as the node does: its copy (and snapshots) go
                    taken.values().forEach(holders -> holders.remove(leaving));
                }
                world.trace("remove replica " + leaving + ": " + outcome);
            });
        } else if (!outside.isEmpty()) {
            addReplica(volume, outside.get(world.random.nextInt(outside.size())));
        } else {
            changingReplicas = false;
        }
    }

    /** After the faults: top the replica set up to {@code replicas}. */
    void ensureReplicas(int replicas) {
        ReplicatedVolume volume = serving();
        if (volume == null || changingReplicas) {
            return;
        }
        ReplicationRecord record = world.store.read(VOLUME).value();
        if (record.replicas().size() < replicas) {
            List<SimNode> outside = nodes.stream().filter(node -> record.replica(node.id).isEmpty()).toList();
            changingReplicas = true;
            addReplica(volume, outside.get(world.random.nextInt(outside.size())));
        }
    }

    private void addReplica(ReplicatedVolume volume, SimNode node) {
        world.trace("add replica " + node.id);
        volume.addReplica(node.id, outcome -> {
            changingReplicas = false;
            world.trace("add replica " + node.id + ": " + outcome);
        });
    }

    /** Grows the volume by an eighth of {@code finalBytes}, up to it (one growth at a time). */
    void grow(long finalBytes) {
        ReplicatedVolume volume = serving();
        if (volume == null || growing || volume.sizeBytes() >= finalBytes) {
            return;
        }
        long next = Math.min(finalBytes, volume.sizeBytes() + finalBytes / 8);
        growing = true;
        world.trace("grow " + VOLUME + " to " + next);
        volume.grow(next, outcome -> {
            if (target == volume) {
                growing = false;
            }
            world.trace("grow to " + next + ": " + outcome);
        });
    }

    /** Whether a snapshot asked of the serving target is still being taken. */
    boolean snapshotting() {
        return snapshotting;
    }

    /**
     * Takes a snapshot through the serving target (one at a time); those taken are checked at
     * quiescence. Its id, or null if none was started (no target serves, or one is being taken).
     */
    String snapshot() {
        ReplicatedVolume volume = serving();
        if (volume == null || snapshotting) {
            return null;
        }
        String id = "snap-" + ++snapshots;
        snapshotting = true;
        world.trace("snapshot " + VOLUME + " as " + id);
        volume.snapshot(id, outcome -> {
            if (target == volume) {
                snapshotting = false;
            }
            if (outcome instanceof Outcome.Ok<List<String>>(List<String> holders)) {
                taken.put(id, new java.util.ArrayList<>(holders));
            }
            world.trace("snapshot " + id + ": " + outcome);
        });
        return id;
    }

    /**
     * Reverts {@code volume} (the serving target) to snapshot {@code id} through the core, with the
     * copies that took it as its holders; the caller keeps clients away until {@code done}.
     */
    void revert(ReplicatedVolume volume, String id, io.wharf.replication.sync.Completion<Void> done) {
        world.trace("revert " + VOLUME + " to " + id + " held by " + taken.get(id));
        volume.revert(id, List.copyOf(taken.get(id)), outcome -> {
            world.trace("revert to " + id + ": " + outcome);
            done.complete(outcome);
        });
    }

    /** Whether every replica of the record is in sync and the serving target agrees. */
    boolean converged(int replicas) {
        ReplicatedVolume volume = serving();
        if (volume == null) {
            return false;
        }
        ReplicationRecord record = world.store.read(VOLUME).value();
        boolean allInSync = record.replicas().size() == replicas
                && record.replicas().stream().allMatch(entry -> entry.state() == ReplicaState.IN_SYNC);
        boolean targetAgrees = volume.status().replicas().stream().allMatch(replica -> replica.state() == ReplicaState.IN_SYNC
                && !replica.failing());
        return allInSync && targetAgrees && record.epoch() == volume.epoch();
    }

    long attachStartedAt() {
        return attachStartedAt;
    }
}
