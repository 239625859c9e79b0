package io.wharf.simulator.world;

import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RecordStore;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Versioned;
import java.util.function.Supplier;

/**
 * One process's connection to the {@link StoreServer}, over the simulated network: a request can be
 * lost (no answer: the caller's deadline fails it) or its reply can be lost (the operation happened,
 * the caller does not know: "in doubt"). A partitioned node reaches nothing.
 */
final class StoreClient implements RecordStore {
    static final String STORE = "store";
    private final SimNode node;
    private final int incarnation;

    StoreClient(SimNode node, int incarnation) {
        this.node = node;
        this.incarnation = incarnation;
    }

    @Override
    public void read(String volumeId, Completion<Versioned<ReplicationRecord>> done) {
        request("read " + volumeId, () -> Outcome.ok(node.world.store.read(volumeId)), done);
    }

    @Override
    public void compareAndSet(String volumeId, long expectedRevision, ReplicationRecord next, Completion<CasResult> done) {
        request("cas " + volumeId + "@" + expectedRevision, () -> Outcome.ok(node.world.store.compareAndSet(volumeId, expectedRevision, next)),
                done);
    }

    private <T> void request(String what, Supplier<Outcome<T>> operation, Completion<T> done) {
        World world = node.world;
        if (world.network.lost(node.id, STORE)) {
            world.trace(node.id + " -> store " + what + " lost");
            return;
        }
        world.loop.at(world.network.delay(false), () -> {
            Outcome<T> result = operation.get();
            String answer = switch (result) {
                case Outcome.Ok<T>(Object value) -> value instanceof CasResult.Conflict ? "conflict" : "ok";
                default -> result.toString();
            };
            if (world.network.lost(STORE, node.id)) {
                world.trace("store -> " + node.id + " " + what + " " + answer + " (reply lost)");
                return;
            }
            world.trace("store " + what + " " + answer);
            world.loop.at(world.network.delay(false), () -> node.alive(incarnation), () -> done.complete(result));
        });
    }
}
