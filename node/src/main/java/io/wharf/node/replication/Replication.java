package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RebuildSeeder;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.storage.Volume;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * This node's role as the target of replicated volumes: attaching one runs the core's takeover
 * ({@link ReplicatedVolume#attach}: raise the epoch, fence, reconcile) on the replication loop
 * against the volume records ({@link StoreRecords}) and the replicas ({@link PeerLinks}), and gives
 * a {@link TargetVolume} to serve.
 */
public final class Replication {
    private final String nodeId;
    private final ReplicationLoop loop;
    private final StoreRecords records;
    private final PeerLinks links;
    private final ReplicationConfig config;
    private final ReplicationListener listener;
    private final ReplicaHost host;
    private final Function<String, Optional<Volume>> localVolumes;
    private final RebuildSeeder seeder;

    /**
     * @param host         this node's replica side, whose copy of a volume reads may use directly
     * @param localVolumes this node's pool, by volume id
     * @param seeder       prepares a copy before its full rebuild ({@link SnapshotSeeding}); may be null
     */
    public Replication(String nodeId, ReplicationLoop loop, StoreRecords records, PeerLinks links, ReplicationConfig config,
                       ReplicationListener listener, ReplicaHost host, Function<String, Optional<Volume>> localVolumes,
                       RebuildSeeder seeder) {
        this.seeder = seeder;
        this.listener = listener;
        this.host = host;
        this.localVolumes = localVolumes;
        this.nodeId = nodeId;
        this.loop = loop;
        this.records = records;
        this.links = links;
        this.config = config;
    }

    /**
     * Attaches the replicated volume here at a new epoch. Fails UNAVAILABLE when no replica in sync
     * can be reached, a newer attach overtook this one, or the store did not answer.
     */
    public CompletableFuture<TargetVolume> attach(VolumeRecord record) {
        if (!record.replicated()) {
            throw new IllegalArgumentException("volume " + record.name() + " is not replicated");
        }
        records.know(record.id(), record.name());
        CompletableFuture<TargetVolume> attached = new CompletableFuture<>();
        LocalReads local = new LocalReads(nodeId, record.id());
        ReplicationListener events = event -> {
            listener.on(event);
            local.on(event);
        };
        loop.execute(() -> ReplicatedVolume.attach(record.id(), nodeId, loop, records, links::endpoint, config, events, seeder, outcome -> {
            switch (outcome) {
                case Outcome.Ok<ReplicatedVolume>(ReplicatedVolume volume) -> {
                    local.start(volume.status(), host.replica(record.id()), localVolumes.apply(record.id()));
                    attached.complete(new TargetVolume(volume, loop, local));
                }
                case Outcome.StaleEpoch<ReplicatedVolume> stale -> attached.completeExceptionally(new WharfException(
                        ErrorCode.VOLUME_FENCED, "volume '" + record.name() + "' was attached elsewhere at epoch " + stale.epoch(),
                        "see where: wharf volume inspect " + record.name()));
                case Outcome.Failed<ReplicatedVolume> failed -> attached.completeExceptionally(new WharfException(
                        failed.code() == ErrorCode.INTERNAL ? ErrorCode.INTERNAL : ErrorCode.UNAVAILABLE,
                        "cannot attach volume '" + record.name() + "' on node '" + nodeId + "': " + failed.message(),
                        "check that the nodes holding its replicas are online: wharf volume inspect " + record.name()));
            }
        }));
        return attached;
    }
}
