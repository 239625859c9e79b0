package io.wharf.simulator;

import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.simulator.check.BlockPattern;
import io.wharf.simulator.check.History;
import io.wharf.simulator.world.SimNode;
import io.wharf.simulator.world.World;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The client of the volume: writes, trims, flushes and reads through whichever target serves, a few
 * requests at a time, never two writes to one block at once (so "later" is well defined per block).
 * After a move, a stale client may keep writing to the old target for a while: those writes must
 * all fail. Everything goes into the {@link History}.
 */
final class Workload {
    private final World world;
    private final History history;
    private final ControlPlane control;
    private final int blocks;
    private final int depth;
    private final long thinkNanos;
    private final boolean[] busy;
    private final List<Call> calls = new ArrayList<>();
    private boolean running;
    /** The main client sends nothing new (a revert is being made: clients are kept away from it). */
    private boolean paused;
    private ReplicatedVolume stale;
    private SimNode staleNode;
    private int staleIncarnation;
    private long staleUntil;

    /** A request in flight: lost with its target's process. */
    private record Call(SimNode node, int incarnation, History.Write write, boolean client) {}

    Workload(World world, History history, ControlPlane control, int blocks, int depth, long thinkNanos) {
        this.world = world;
        this.history = history;
        this.control = control;
        this.blocks = blocks;
        this.depth = depth;
        this.thinkNanos = thinkNanos;
        this.busy = new boolean[blocks];
    }

    void start() {
        running = true;
        world.loop.at(0, this::tick);
    }

    void stop() {
        running = false;
        stale = null;
    }

    /** The main client stops sending ({@code true}) or goes on. */
    void pause(boolean pause) {
        paused = pause;
    }

    /** Requests of the main client still waiting for an answer. */
    int outstanding() {
        return (int) calls.stream().filter(Call::client).count();
    }

    /** The old target, after a move: the stale client writes to it for a while. */
    void staleTarget(ReplicatedVolume old, SimNode node, int incarnation, long forNanos) {
        stale = old;
        staleNode = node;
        staleIncarnation = incarnation;
        staleUntil = world.loop.now() + forNanos;
        world.trace("stale client writes to the old target on " + node.id + " (epoch " + old.epoch() + ")");
    }

    /** A process died: its requests will never be answered; their outcome is unknown. */
    void nodeCrashed(SimNode node) {
        for (Call call : List.copyOf(calls)) {
            if (call.node == node) {
                end(call, History.State.UNKNOWN);
            }
        }
    }

    private void tick() {
        if (!running) {
            return;
        }
        ReplicatedVolume target = control.serving();
        SimNode node = control.targetNode();
        if (target != null && !paused && outstanding() < depth) {
            issue(target, node, true);
        }
        if (stale != null && world.loop.now() < staleUntil && staleNode.alive(staleIncarnation)
                && stale.phase() == ReplicatedVolume.Phase.SERVING && world.random.nextInt(4) == 0) {
            issueWrite(stale, staleNode, false, false);
        }
        world.loop.at(world.random.nextLong(thinkNanos * 2 + 1), this::tick);
    }

    private void issue(ReplicatedVolume target, SimNode node, boolean client) {
        int kind = world.random.nextInt(100);
        if (kind < 50) {
            issueWrite(target, node, client, false);
        } else if (kind < 55) {
            issueWrite(target, node, client, true);
        } else if (kind < 65) {
            flush(target, node);
        } else {
            read(target, node, world.random.nextInt(blocksOf(target)), 1 + world.random.nextInt(4));
        }
    }

    /** The blocks a target serves now: the volume may grow under the workload. */
    private int blocksOf(ReplicatedVolume target) {
        return (int) Math.min(blocks, target.sizeBytes() / BlockPattern.BLOCK);
    }

    private int pickBlock(int limit) {
        return world.random.nextInt(4) == 0 ? world.random.nextInt(limit) : world.random.nextInt(Math.min(limit, 48));
    }

    private void issueWrite(ReplicatedVolume target, SimNode node, boolean client, boolean zeros) {
        int limit = blocksOf(target);
        int first = pickBlock(limit);
        int count = Math.min(1 + (world.random.nextInt(3) == 0 ? 1 : 0), limit - first);
        for (int i = 0; i < count; i++) {
            if (busy[first + i]) {
                return;
            }
        }
        for (int i = 0; i < count; i++) {
            busy[first + i] = true;
        }
        History.Write write = history.issue(first, count, zeros, world.loop.now(), target, target.epoch());
        Call call = new Call(node, node.incarnation(), write, client);
        calls.add(call);
        long offset = (long) first * BlockPattern.BLOCK;
        String what = (zeros ? "trim w" : "write w") + write.id + " blocks " + first + "+" + count + " via " + node.id + "@"
                + target.epoch() + (client ? "" : " (stale client)");
        world.trace("client " + what);
        io.wharf.replication.sync.Completion<Void> done = outcome -> {
            if (!calls.contains(call)) {
                return;
            }
            world.trace("client " + what + ": " + (outcome instanceof Outcome.Ok<Void> ? "ok" : outcome));
            if (outcome instanceof Outcome.Ok<Void>) {
                history.acked(write, world.loop.now());
                end(call, History.State.ACKED);
            } else {
                end(call, History.State.FAILED);
            }
        };
        boolean fua = world.random.nextInt(20) == 0;
        if (zeros) {
            target.trim(offset, (long) count * BlockPattern.BLOCK, fua, done);
        } else {
            ByteBuffer data = ByteBuffer.allocate(count * BlockPattern.BLOCK);
            for (int i = 0; i < count; i++) {
                BlockPattern.fill(data, write.id, first + i);
            }
            target.write(offset, data.flip(), fua, done);
        }
    }

    private void end(Call call, History.State state) {
        calls.remove(call);
        if (call.write == null) {
            return; // a flush or a read: nothing to free
        }
        history.ended(call.write, state);
        for (int i = 0; i < call.write.blockCount; i++) {
            busy[call.write.firstBlock + i] = false;
        }
    }

    private void flush(ReplicatedVolume target, SimNode node) {
        History.FlushMark mark = history.flushIssued(target);
        Call call = new Call(node, node.incarnation(), null, true);
        calls.add(call);
        world.trace("client flush via " + node.id + "@" + target.epoch());
        target.flush(outcome -> {
            if (calls.remove(call)) {
                world.trace("client flush via " + node.id + "@" + target.epoch() + ": " + (outcome instanceof Outcome.Ok<Void> ? "ok" : outcome));
                if (outcome instanceof Outcome.Ok<Void>) {
                    history.flushAcked(mark);
                }
            }
        });
    }

    /** A read of {@code count} blocks from {@code first}; checked against the history when it returns. */
    void read(ReplicatedVolume target, SimNode node, int first, int count) {
        int blocksRead = Math.min(count, blocksOf(target) - first);
        History.ReadMark mark = history.readIssued(first, blocksRead, target, world.loop.now(), node.id + "@" + target.epoch());
        Call call = new Call(node, node.incarnation(), null, true);
        calls.add(call);
        String what = "read blocks " + first + "+" + blocksRead + " via " + node.id + "@" + target.epoch();
        world.trace("client " + what);
        target.read((long) first * BlockPattern.BLOCK, blocksRead * BlockPattern.BLOCK, outcome -> {
            if (calls.remove(call)) {
                if (outcome instanceof Outcome.Ok<java.nio.ByteBuffer>(java.nio.ByteBuffer data)) {
                    StringBuilder seen = new StringBuilder();
                    for (int i = 0; i < blocksRead; i++) {
                        seen.append(i == 0 ? "" : ",").append(BlockPattern.identify(data.slice(data.position() + i * BlockPattern.BLOCK,
                                BlockPattern.BLOCK), first + i));
                    }
                    world.trace("client " + what + ": w" + seen);
                    history.readDone(mark, data, world.loop.now());
                } else {
                    world.trace("client " + what + ": " + outcome);
                }
            }
        });
    }

    /** A flush whose acknowledgement the final checks wait for. */
    void finalFlush(ReplicatedVolume target, SimNode node, Runnable done) {
        History.FlushMark mark = history.flushIssued(target);
        Call call = new Call(node, node.incarnation(), null, true);
        calls.add(call);
        target.flush(outcome -> {
            calls.remove(call);
            if (outcome instanceof Outcome.Ok<Void>) {
                history.flushAcked(mark);
            } else {
                history.violation("convergence", world.loop.now(), "the final flush failed: " + outcome);
            }
            done.run();
        });
    }
}
