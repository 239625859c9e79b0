package io.wharf.simulator;

import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.simulator.check.BlockPattern;
import io.wharf.simulator.check.History;
import io.wharf.simulator.world.EventLoop;
import io.wharf.simulator.world.Network;
import io.wharf.simulator.world.SimNode;
import io.wharf.simulator.world.StoreServer;
import io.wharf.simulator.world.World;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One seeded run: N nodes, each the real storage engine on a simulated disk plus the production
 * replication code, a simulated network and cluster store, a client workload, and faults (process
 * crashes, power loss with torn and lost unsynced writes, partitions, dropped, delayed, reordered
 * and duplicated frames, target moves, replica set changes, snapshots, reverts to them, and for every third seed
 * online growth of a volume that starts at half its size). Then the faults stop, the cluster gets
 * time to converge, and the checkers run. Everything, including every choice of the workload and the
 * faults, comes from the seed: the same seed gives the same trace.
 *
 * <p>Phases: fault phase ({@link SimulationConfig#faultPhaseNanos}); heal (partitions healed, nodes
 * restarted, the network made reliable, the replica set topped up, the volume grown to its full size); quiet (the client stops, the
 * run waits until every replica is in sync, up to {@link SimulationConfig#healLimitNanos}); final
 * checks (a flush, a read of every block through the target, the replicas compared byte for byte,
 * one more snapshot with every replica in sync, and each snapshot compared byte for byte on every
 * copy that took it; then more writes, a revert to that snapshot, and the reads and comparison again).
 */
public final class Simulation {
    private final SimulationConfig config;
    private final SplittableRandom random;
    private final EventLoop loop = new EventLoop(20_000_000);
    private final Trace trace;
    private final Network network;
    private final World world;
    private final List<SimNode> nodes = new ArrayList<>();
    private final History history;
    private final ControlPlane control;
    private final Workload workload;
    private final int replicas;
    private final long initialBytes;
    private Path root;
    private boolean faulting;
    /** A revert is being made: the client is kept away. */
    private boolean reverting;

    private Simulation(SimulationConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.trace = new Trace(config.traceEcho());
        this.network = new Network(loop, random);
        StoreServer store = new StoreServer((record, revision) -> trace.line(loop.now(), "commit r" + revision + " " + describe(record)));
        ReplicationListener listener = event -> trace.line(loop.now(), "event " + event);
        this.world = new World(loop, random, network, store, config.replication(), config.latencies(), listener, trace);
        this.history = new History((int) (config.volumeBytes() / BlockPattern.BLOCK));
        this.replicas = config.replicas() > 0 ? config.replicas() : 2 + random.nextInt(2);
        // every third seed starts the volume at half its size and grows it online, during the faults and after them
        this.initialBytes = config.seed() % 3 == 0 ? config.volumeBytes() / 2 / BlockPattern.BLOCK * BlockPattern.BLOCK
                : config.volumeBytes();
        this.control = new ControlPlane(world, nodes, history, config.onAttach(), this::newTarget);
        this.workload = new Workload(world, history, control, (int) (config.volumeBytes() / BlockPattern.BLOCK), config.clientDepth(),
                config.thinkNanos());
    }

    /** Runs the seed of {@code config} and reports; never throws for what the run finds (an exception in the code under test is a violation). */
    public static SimulationResult run(SimulationConfig config) {
        return new Simulation(config).run();
    }

    private SimulationResult run() {
        long wallStart = System.nanoTime();
        String summary;
        try {
            setUp();
            faultPhase();
            heal();
            boolean converged = quiet();
            if (converged) {
                finalChecks();
            }
            summary = replicas + " replicas, " + history.stats();
        } catch (RuntimeException | AssertionError e) {
            history.violation("crash", loop.now(), "the simulation threw " + e + stack(e));
            summary = "threw " + e;
        } finally {
            tearDown();
        }
        return new SimulationResult(config.seed(), history.violations(), trace.hash(), trace.lines(), loop.executed(), loop.now(),
                System.nanoTime() - wallStart, summary, trace.lastLines());
    }

    private void setUp() {
        try {
            root = Files.createTempDirectory(config.workDirectory(), "wharf-sim-" + config.seed() + "-");
            for (int i = 0; i < config.nodes(); i++) {
                nodes.add(new SimNode("n" + i, world, root.resolve("n" + i)));
            }
            for (SimNode node : nodes) {
                nodes.forEach(node::knows);
                node.start();
            }
            List<SimNode> shuffled = new ArrayList<>(nodes);
            for (int i = shuffled.size() - 1; i > 0; i--) {
                SimNode swap = shuffled.set(random.nextInt(i + 1), shuffled.get(i));
                shuffled.set(i, swap);
            }
            List<ReplicaEntry> entries = new ArrayList<>();
            for (SimNode node : shuffled.subList(0, replicas)) {
                node.createVolume(ControlPlane.VOLUME, initialBytes);
                entries.add(new ReplicaEntry(node.id, ReplicaState.IN_SYNC));
            }
            world.store.put(new ReplicationRecord(ControlPlane.VOLUME, initialBytes, 0, null, entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        trace.line(0, "seed " + config.seed() + ": " + config.nodes() + " nodes, " + replicas + " replicas, " + initialBytes
                + " of " + config.volumeBytes() + " bytes at first");
    }

    private void faultPhase() {
        faulting = true;
        network.faults(config.networkFaults());
        workload.start();
        control.tick();
        controlLoop();
        scheduleFault();
        loop.run(config.faultPhaseNanos(), () -> false);
        faulting = false;
    }

    private void controlLoop() {
        loop.at(5 * SimulationConfig.MS, () -> {
            control.tick();
            if (!faulting) {
                control.ensureReplicas(replicas);
                control.grow(config.volumeBytes());
            }
            controlLoop();
        });
    }

    private void scheduleFault() {
        long delay = 1 + random.nextLong(2 * config.faultIntervalNanos());
        loop.at(delay, () -> {
            if (!faulting) {
                return;
            }
            injectFault();
            scheduleFault();
        });
    }

    private void injectFault() {
        int kind = random.nextInt(100);
        if (kind < 30) {
            List<SimNode> up = nodes.stream().filter(SimNode::up).toList();
            if (up.isEmpty()) {
                return;
            }
            SimNode victim = up.get(random.nextInt(up.size()));
            boolean powerLoss = random.nextBoolean();
            victim.crash(powerLoss);
            workload.nodeCrashed(victim);
            loop.at(10 * SimulationConfig.MS + random.nextLong(150 * SimulationConfig.MS), () -> restart(victim));
        } else if (kind < 50) {
            List<String> names = new ArrayList<>(nodes.stream().map(node -> node.id).toList());
            names.add("store");
            String a = names.get(random.nextInt(names.size()));
            List<String> cut = new ArrayList<>();
            if (random.nextBoolean()) {
                names.stream().filter(name -> !name.equals(a)).forEach(cut::add); // isolate a
            } else {
                String b = names.get(random.nextInt(names.size()));
                if (!b.equals(a)) {
                    cut.add(b);
                }
            }
            cut.forEach(b -> network.partition(a, b));
            trace.line(loop.now(), "partition " + a + " from " + cut);
            loop.at(10 * SimulationConfig.MS + random.nextLong(150 * SimulationConfig.MS), () -> {
                cut.forEach(b -> network.heal(a, b));
                trace.line(loop.now(), "heal " + a + " from " + cut);
            });
        } else if (kind < 65) {
            cutTargetFromStoreAndReplica();
        } else if (kind < 80) {
            control.move();
        } else if (kind < 90) {
            control.changeReplicas(replicas);
        } else if (kind < 92) {
            control.grow(config.volumeBytes());
        } else if (kind < 95) {
            control.snapshot();
        } else if (control.taken.isEmpty()) {
            control.snapshot(); // something to revert to later
        } else {
            revertToASnapshot();
        }
    }

    /**
     * Reverts the volume to a random snapshot taken, as a node does: the client is kept away (it sends
     * nothing new, and the revert starts once its requests in flight are answered; given up after
     * 200 ms), what the snapshot holds is read from a copy that took it, and the revert goes into the
     * history as a write of every block. The client goes on when the revert is answered or its target
     * stops serving (a target that takes over after it reconciles whatever the revert left).
     */
    private void revertToASnapshot() {
        ReplicatedVolume volume = control.serving();
        if (volume == null || reverting) {
            return;
        }
        List<String> ids = new ArrayList<>(control.taken.keySet());
        String id = ids.get(random.nextInt(ids.size()));
        reverting = true;
        workload.pause(true);
        trace.line(loop.now(), "revert to " + id + ": clients kept away");
        long giveUpAt = loop.now() + 200 * SimulationConfig.MS;
        awaitIdleThen(giveUpAt, () -> {
            long[] content = control.serving() == volume ? snapshotContent(id, volume.sizeBytes()) : null;
            if (content == null) {
                endRevert("revert to " + id + " not started");
                return;
            }
            History.Write revert = history.issueRevert(content, loop.now(), volume, volume.epoch());
            boolean[] answered = new boolean[1];
            control.revert(volume, id, outcome -> {
                answered[0] = true;
                if (outcome instanceof Outcome.Ok<Void>) {
                    history.revertAcked(revert);
                } else {
                    history.ended(revert, History.State.UNKNOWN); // it may have reverted some copies
                }
                endRevert("revert to " + id + " answered");
            });
            awaitRevert(volume, answered);
        });
    }

    private void awaitIdleThen(long giveUpAt, Runnable then) {
        if (workload.outstanding() == 0) {
            then.run();
        } else if (loop.now() >= giveUpAt) {
            endRevert("revert given up: client requests still in flight");
        } else {
            loop.at(SimulationConfig.MS, () -> awaitIdleThen(giveUpAt, then));
        }
    }

    /** Lets the client go on once the target that reverts stops serving, if the revert is never answered. */
    private void awaitRevert(ReplicatedVolume volume, boolean[] answered) {
        loop.at(5 * SimulationConfig.MS, () -> {
            if (answered[0]) {
                return;
            }
            if (control.serving() != volume) {
                answered[0] = true;
                endRevert("the reverting target stopped serving");
            } else {
                awaitRevert(volume, answered);
            }
        });
    }

    private void endRevert(String why) {
        if (reverting) {
            reverting = false;
            workload.pause(false);
            trace.line(loop.now(), why + ": clients go on");
        }
    }

    /**
     * Per block of a volume of {@code sizeBytes}, the write snapshot {@code id} holds (0: zeros; blocks past
     * the snapshot's size read zeros after a revert), read from a copy that took it and is up; null if none can.
     */
    private long[] snapshotContent(String id, long sizeBytes) {
        for (String holder : control.taken.get(id)) {
            SimNode node = nodes.stream().filter(candidate -> candidate.id.equals(holder)).findFirst().orElseThrow();
            if (!node.up()) {
                continue;
            }
            Optional<byte[]> bytes;
            try {
                bytes = node.readSnapshot(ControlPlane.VOLUME, id);
            } catch (IOException e) {
                history.violation("snapshot", loop.now(), "reading snapshot " + id + " on " + holder + " failed: " + e);
                return null;
            }
            if (bytes.isEmpty()) {
                continue;
            }
            long[] content = new long[(int) (sizeBytes / BlockPattern.BLOCK)];
            for (int block = 0; block < content.length && (block + 1) * BlockPattern.BLOCK <= bytes.get().length; block++) {
                content[block] = BlockPattern.identify(ByteBuffer.wrap(bytes.get(), block * BlockPattern.BLOCK, BlockPattern.BLOCK).slice(), block);
                if (content[block] == BlockPattern.CORRUPT) {
                    history.violation("snapshot", loop.now(), "snapshot " + id + " on " + holder + ": block " + block + " is torn or foreign");
                    return null;
                }
            }
            return content;
        }
        return null;
    }

    /**
     * An asymmetric partition: the target's node loses the cluster store and one replica (its rack
     * loses etcd and another zone) while it still reaches the rest, long enough that a store update
     * can exhaust its retries.
     */
    private void cutTargetFromStoreAndReplica() {
        SimNode target = control.targetNode();
        if (target == null || !target.up()) {
            return;
        }
        List<String> members = world.store.read(ControlPlane.VOLUME).value().replicas().stream().map(ReplicaEntry::nodeId)
                .filter(node -> !node.equals(target.id)).toList();
        if (members.isEmpty()) {
            return;
        }
        List<String> cut = List.of("store", members.get(random.nextInt(members.size())));
        cut.forEach(other -> network.partition(target.id, other));
        trace.line(loop.now(), "partition " + target.id + " (target) from " + cut);
        loop.at(50 * SimulationConfig.MS + random.nextLong(300 * SimulationConfig.MS), () -> {
            cut.forEach(other -> network.heal(target.id, other));
            trace.line(loop.now(), "heal " + target.id + " from " + cut);
        });
    }

    private void restart(SimNode node) {
        if (!node.up()) {
            node.start();
        }
    }

    private void newTarget(ReplicatedVolume volume) {
        SimNode previousNode = previousTargetNode;
        ReplicatedVolume previous = previousTarget;
        int previousIncarnation = previousTargetIncarnation;
        previousTarget = volume;
        previousTargetNode = control.targetNode();
        previousTargetIncarnation = control.targetNode().incarnation();
        if (faulting && previous != null && previous != volume && previousNode.alive(previousIncarnation) && random.nextBoolean()) {
            workload.staleTarget(previous, previousNode, previousIncarnation, 50 * SimulationConfig.MS);
        }
    }

    private ReplicatedVolume previousTarget;
    private SimNode previousTargetNode;
    private int previousTargetIncarnation;

    private void heal() {
        network.healAll();
        network.faults(Network.Faults.NONE);
        for (SimNode node : nodes) {
            if (!node.up()) {
                node.start();
            }
        }
        trace.line(loop.now(), "heal: faults stop");
        loop.run(loop.now() + 100 * SimulationConfig.MS, () -> false);
        workload.stop();
    }

    /** Waits until every replica is in sync and the client is idle; false (with a violation) if that never comes. */
    private boolean quiet() {
        long limit = loop.now() + config.healLimitNanos();
        loop.run(limit, () -> workload.outstanding() == 0 && control.converged(replicas) && grown());
        if (!control.converged(replicas) || workload.outstanding() != 0 || !grown()) {
            ReplicatedVolume volume = control.serving();
            history.violation("convergence", loop.now(), "not converged " + config.healLimitNanos() / SimulationConfig.MS
                    + " ms after the faults stopped: record " + describe(world.store.read(ControlPlane.VOLUME).value())
                    + ", target " + (volume == null ? "none serving" : volume.status() + " " + volume.diagnostics())
                    + ", client requests outstanding "
                    + workload.outstanding());
            return false;
        }
        trace.line(loop.now(), "converged: " + describe(world.store.read(ControlPlane.VOLUME).value()));
        return true;
    }

    /** The record and the serving target have the volume's final size. */
    private boolean grown() {
        ReplicatedVolume volume = control.serving();
        return volume != null && volume.sizeBytes() == config.volumeBytes()
                && world.store.read(ControlPlane.VOLUME).value().sizeBytes() == config.volumeBytes();
    }

    private void finalChecks() {
        ReplicatedVolume volume = control.serving();
        SimNode node = control.targetNode();
        boolean[] flushed = new boolean[1];
        workload.finalFlush(volume, node, () -> flushed[0] = true);
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> flushed[0]);
        int blocks = (int) (config.volumeBytes() / BlockPattern.BLOCK);
        for (int first = 0; first < blocks; first += 16) {
            workload.read(volume, node, first, 16);
        }
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> workload.outstanding() == 0);
        compareReplicas();
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> !control.snapshotting()); // one of the faults' may still run
        String last = control.snapshot(); // with every replica in sync: each takes it
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> last != null && control.taken.containsKey(last));
        if (last == null || !control.taken.containsKey(last)) {
            history.violation("snapshot", loop.now(), "a snapshot with every replica in sync did not complete");
            return;
        }
        compareSnapshots();
        revertWithEveryReplicaInSync(last);
    }

    /**
     * The client writes for 50 ms more, then the volume is reverted to {@code snapshot}, which every
     * replica took: each one reverts (the primary first, the others after it), and every block read
     * through the target, and every replica's bytes, must be the snapshot's again.
     */
    private void revertWithEveryReplicaInSync(String snapshot) {
        workload.pause(false);
        workload.start();
        loop.run(loop.now() + 50 * SimulationConfig.MS, () -> false);
        workload.stop();
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> workload.outstanding() == 0);
        ReplicatedVolume volume = control.serving();
        long[] content = volume == null ? null : snapshotContent(snapshot, volume.sizeBytes());
        if (content == null) {
            history.violation("convergence", loop.now(), "no target serves, or no copy holds " + snapshot + ", for the final revert");
            return;
        }
        History.Write revert = history.issueRevert(content, loop.now(), volume, volume.epoch());
        List<Outcome<Void>> answer = new ArrayList<>();
        control.revert(volume, snapshot, answer::add);
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> !answer.isEmpty());
        if (answer.isEmpty() || !(answer.getFirst() instanceof Outcome.Ok<Void>)) {
            history.violation("convergence", loop.now(), "the final revert to " + snapshot + ", with every replica in sync, failed: "
                    + (answer.isEmpty() ? "no answer" : answer.getFirst()));
            return;
        }
        history.revertAcked(revert);
        loop.run(loop.now() + config.healLimitNanos(), () -> control.converged(replicas));
        int blocks = (int) (volume.sizeBytes() / BlockPattern.BLOCK);
        for (int first = 0; first < blocks; first += 16) {
            workload.read(volume, control.targetNode(), first, Math.min(16, blocks - first));
        }
        loop.run(loop.now() + 2_000 * SimulationConfig.MS, () -> workload.outstanding() == 0);
        compareReplicas();
    }

    /**
     * Snapshots: every copy that took one and still has it holds the same bytes (the target held and
     * drained the writes, so every replica in sync snapshotted the same contents).
     */
    private void compareSnapshots() {
        for (Map.Entry<String, List<String>> snapshot : control.taken.entrySet()) {
            SameBytes copies = new SameBytes("snapshot", "snapshot " + snapshot.getKey());
            for (String holder : snapshot.getValue()) {
                SimNode node = nodes.stream().filter(candidate -> candidate.id.equals(holder)).findFirst().orElseThrow();
                try {
                    // absent: the copy was deleted (the replica left) and made again
                    node.readSnapshot(ControlPlane.VOLUME, snapshot.getKey()).ifPresent(bytes -> copies.check(holder, bytes));
                } catch (IOException e) {
                    history.violation("snapshot", loop.now(), "reading snapshot " + snapshot.getKey() + " on " + holder + " failed: " + e);
                }
            }
        }
        trace.line(loop.now(), control.taken.size() + " snapshots compared");
    }

    /** Convergence: every replica in sync holds the same bytes. */
    private void compareReplicas() {
        ReplicationRecord record = world.store.read(ControlPlane.VOLUME).value();
        SameBytes copies = new SameBytes("convergence", "replicas");
        for (ReplicaEntry entry : record.replicas()) {
            SimNode node = nodes.stream().filter(candidate -> candidate.id.equals(entry.nodeId())).findFirst().orElseThrow();
            Optional<byte[]> bytes;
            try {
                bytes = node.readLocal(ControlPlane.VOLUME);
            } catch (IOException e) {
                history.violation("convergence", loop.now(), "reading the replica on " + node.id + " failed: " + e);
                continue;
            }
            if (bytes.isEmpty()) {
                history.violation("convergence", loop.now(), "replica on " + node.id + " is in sync but has no volume");
                continue;
            }
            copies.check(node.id, bytes.get());
        }
    }

    /** The copies of one thing (the volume, a snapshot) compared with the first one seen: a violation names the first block that differs. */
    private final class SameBytes {
        private final String checker;
        private final String subject;
        private byte[] reference;
        private String referenceNode;

        SameBytes(String checker, String subject) {
            this.checker = checker;
            this.subject = subject;
        }

        void check(String node, byte[] bytes) {
            if (reference == null) {
                reference = bytes;
                referenceNode = node;
            } else if (!Arrays.equals(reference, bytes)) {
                int block = Arrays.mismatch(reference, bytes) / BlockPattern.BLOCK;
                history.violation(checker, loop.now(), subject + " on " + referenceNode + " and " + node + " differ from block " + block
                        + " (" + BlockPattern.identify(ByteBuffer.wrap(reference, block * BlockPattern.BLOCK, BlockPattern.BLOCK).slice(), block)
                        + " vs " + BlockPattern.identify(ByteBuffer.wrap(bytes, block * BlockPattern.BLOCK, BlockPattern.BLOCK).slice(), block)
                        + ")");
            }
        }
    }

    private void tearDown() {
        for (SimNode node : nodes) {
            try {
                node.shutdown();
            } catch (IOException | RuntimeException e) {
                // the pool may be damaged by what the run found; the directory goes anyway
            }
        }
        if (root != null) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                        Files.delete(directory);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("removing " + root, e);
            }
        }
    }

    static String describe(ReplicationRecord record) {
        StringBuilder text = new StringBuilder("epoch ").append(record.epoch()).append(" target ").append(record.target()).append(" [");
        for (ReplicaEntry entry : record.replicas()) {
            text.append(' ').append(entry.nodeId()).append('=').append(entry.state());
        }
        return text.append(" ]").toString();
    }

    private static String stack(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (StackTraceElement element : e.getStackTrace()) {
            text.append("\n      at ").append(element);
            if (text.length() > 3000) {
                break;
            }
        }
        return text.toString();
    }
}
