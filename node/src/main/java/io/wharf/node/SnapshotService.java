package io.wharf.node;

import io.wharf.api.SnapshotInfo;
import io.wharf.core.Clock;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import io.wharf.metadata.model.SnapshotRecord;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.metadata.model.VolumeState;
import io.wharf.nbd.NbdServer;
import io.wharf.storage.Pool;
import io.wharf.storage.SnapshotVolume;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots, clones and revert on this node. A snapshot's name lives in the cluster store; its
 * data is a sealed layer of the volume's storage, known there by a stable id.
 *
 * <p>Crash safety, as for volumes: the record is written ({@code CREATING}, {@code DELETING})
 * before storage changes and completed after, and {@link #recover()} rolls creates back and
 * finishes deletes. Clones are volumes and recover as volumes do; a revert is one atomic storage
 * step and needs no record.
 */
final class SnapshotService implements Exports.SnapshotOpener {
    /** Named snapshots per volume; the storage engine enforces the same figure. */
    static final int MAX_SNAPSHOTS_PER_VOLUME = 1024;
    private static final Logger log = LoggerFactory.getLogger(SnapshotService.class);
    private static final DateTimeFormatter GENERATED = DateTimeFormatter.ofPattern("'snap-'yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SCHEDULED = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final NodeConfig config;
    private final VolumeCatalog catalog;
    private final Pool pool;
    private final NbdServer nbd;
    private final Exports exports;
    private final Clock clock;
    private final Object controlLock;
    private final java.util.function.BiFunction<VolumeRecord, String, List<String>> replicaSnapshots;

    /**
     * @param replicaSnapshots takes a snapshot (volume, storage id) of a replicated volume on every replica in
     *                         sync through its target served here; answers the nodes that took it
     */
    SnapshotService(NodeConfig config, VolumeCatalog catalog, Pool pool, NbdServer nbd, Exports exports, Clock clock,
                    Object controlLock, java.util.function.BiFunction<VolumeRecord, String, List<String>> replicaSnapshots) {
        this.config = config;
        this.catalog = catalog;
        this.pool = pool;
        this.nbd = nbd;
        this.exports = exports;
        this.clock = clock;
        this.controlLock = controlLock;
        this.replicaSnapshots = replicaSnapshots;
        exports.opener(this);
    }

    /** Called under the control lock at start, after volumes have recovered. */
    void recover() throws IOException {
        for (SnapshotRecord record : catalog.allSnapshots()) {
            Optional<VolumeRecord> volume = catalog.get(record.volume());
            if (volume.isEmpty()) {
                catalog.deleteSnapshot(record.volume(), record.name()); // its volume is gone
                continue;
            }
            if (!config.nodeId().equals(settler(volume.get()))) {
                continue; // another node holds the volume (or takes its snapshots) and recovers them
            }
            if (volume.get().state() != VolumeState.READY) {
                catalog.deleteSnapshot(record.volume(), record.name()); // its volume is being deleted
                continue;
            }
            switch (record.state()) {
                case CREATING, DELETING -> undo(volume.get(), record);
                case READY -> {
                    if (!volume.get().replicated() && !storageHas(volume.get(), record.storageId())) {
                        throw new IllegalStateException("snapshot " + record.volume() + "@" + record.name()
                                + " is recorded as ready but its storage is missing");
                    }
                }
            }
        }
    }

    /** Undoes snapshot operations the store failed under; the caller holds the control lock. */
    void settleIntents() throws IOException {
        for (SnapshotRecord record : catalog.allSnapshots()) {
            if (record.state() == VolumeState.READY) {
                continue;
            }
            Optional<VolumeRecord> volume = catalog.get(record.volume());
            if (volume.isEmpty() || !config.nodeId().equals(settler(volume.get())) || volume.get().state() != VolumeState.READY) {
                continue; // the volume's own settling (or its node) handles it
            }
            undo(volume.get(), record);
        }
    }

    /**
     * The node that settles a volume's snapshot operations cut short: the volume's node, or for a
     * replicated volume the target, which takes its snapshots (the other copies' storage of an undone
     * snapshot goes with their nodes' pass over orphans, {@link #removeOrphans}).
     */
    private static String settler(VolumeRecord volume) {
        return volume.replicated() ? volume.target() : volume.node();
    }

    /** Undoes a snapshot create or delete that was cut short: its storage and its record go. */
    private void undo(VolumeRecord volume, SnapshotRecord record) throws IOException {
        log.atInfo().addKeyValue("snapshot", record.volume() + "@" + record.name())
                .addKeyValue("state", record.state()).log("undoing a snapshot operation cut short");
        if (storageHas(volume, record.storageId())) {
            pool.deleteSnapshot(volume.id(), record.storageId());
        }
        catalog.deleteSnapshot(record.volume(), record.name());
    }

    private boolean storageHas(VolumeRecord volume, String storageId) throws IOException {
        return pool.volume(volume.id()).isPresent() && pool.snapshots(volume.id()).stream().anyMatch(s -> s.id().equals(storageId));
    }

    SnapshotInfo create(VolumeRecord volume, String requestedName) {
        return create(volume, requestedName, null, List.of());
    }

    /**
     * A snapshot taken by schedule rule {@code rule} (named {@code <rule>-<time>}); the oldest
     * snapshots of that rule beyond {@code keep} leave the listing in the same store transaction
     * in which the new one appears, so no reader ever sees more than {@code keep}. Their storage
     * is freed afterwards (after a crash, recovery finishes that).
     */
    void takeScheduled(VolumeRecord volume, String rule, int keep) {
        synchronized (controlLock) {
            String base = rule + "-" + SCHEDULED.format(clock.now());
            String name = base;
            for (int i = 2; catalog.snapshot(volume.name(), name).isPresent(); i++) {
                name = base + "-" + i;
            }
            List<SnapshotRecord> ofRule = catalog.snapshots(volume.name()).stream()
                    .filter(r -> rule.equals(r.rule()) && r.state() == VolumeState.READY)
                    .sorted(java.util.Comparator.comparing(SnapshotRecord::createdAt)).toList();
            List<SnapshotRecord> retired = ofRule.subList(0, Math.max(0, ofRule.size() + 1 - keep));
            create(volume, name, rule, retired);
            for (SnapshotRecord old : retired) {
                freeDeleting(volume, old.withState(VolumeState.DELETING));
            }
        }
    }

    /** When rule {@code rule} last took a snapshot of the volume, if it ever did and it is kept. */
    Optional<java.time.Instant> lastRun(String volume, String rule) {
        return catalog.snapshots(volume).stream().filter(r -> rule.equals(r.rule()))
                .map(SnapshotRecord::createdAt).max(java.util.Comparator.naturalOrder());
    }

    /**
     * Takes a snapshot; {@code retired} snapshots turn DELETING in the transaction that makes the
     * new one READY (the caller frees their storage).
     */
    private SnapshotInfo create(VolumeRecord volume, String requestedName, String rule, List<SnapshotRecord> retired) {
        synchronized (controlLock) {
            String name = requestedName == null || requestedName.isEmpty() ? generatedName(volume.name())
                    : Names.requireValid("snapshot", requestedName);
            if (catalog.snapshot(volume.name(), name).isPresent()) {
                throw new WharfException(ErrorCode.SNAPSHOT_EXISTS, "snapshot '" + volume.name() + "@" + name + "' already exists",
                        "choose another name, or delete the existing snapshot first");
            }
            if (catalog.snapshots(volume.name()).size() >= MAX_SNAPSHOTS_PER_VOLUME) {
                throw new WharfException(ErrorCode.SNAPSHOT_LIMIT, "volume '" + volume.name() + "' already has "
                        + MAX_SNAPSHOTS_PER_VOLUME + " snapshots, the most a volume can have",
                        "delete snapshots you no longer need (`wharf snapshot list " + volume.name() + "`)");
            }
            SnapshotRecord record = SnapshotRecord.of(volume.name(), name, UUID.randomUUID().toString(),
                    volume.sizeBytes(), VolumeState.CREATING, clock.now()).withRule(rule);
            catalog.put(record);
            SnapshotRecord creating = record;
            try {
                if (volume.replicated()) {
                    record = record.withNodes(takeOnReplicas(volume, record));
                } else {
                    pool.snapshot(volume.id(), record.storageId());
                }
            } catch (IOException | RuntimeException e) {
                catalog.deleteIfStill(creating); // copies that took it drop it in their pass over orphans
                throw VolumeService.asWharf(e, "taking snapshot '" + volume.name() + "@" + name + "'");
            }
            SnapshotRecord ready = record.withState(VolumeState.READY);
            List<SnapshotRecord> commit = new ArrayList<>(List.of(ready));
            retired.forEach(r -> commit.add(r.withState(VolumeState.DELETING)));
            if (!catalog.putAllIfStill(List.of(creating), commit)) { // a new target (attached meanwhile) undid it: its copies are orphans
                throw new WharfException(ErrorCode.UNAVAILABLE, "volume '" + volume.name() + "' was attached elsewhere while snapshot '"
                        + name + "' was taken, and the new target dropped it", "take the snapshot again");
            }
            log.atInfo().addKeyValue("snapshot", volume.name() + "@" + name).log("snapshot created");
            return info(volume, ready, storageFigures(volume).get(ready.storageId()));
        }
    }

    /**
     * Takes the snapshot on every replica in sync of a replicated volume; the nodes that took it. The
     * volume's node must be among them: snapshot operations (reads, clones, backups, deletes) run there.
     */
    private List<String> takeOnReplicas(VolumeRecord volume, SnapshotRecord record) {
        return requireHomeAmong(volume, replicaSnapshots.apply(volume, record.storageId()));
    }

    /** {@code holders}, the nodes that took a snapshot of a replicated volume, unless the volume's node is not among them. */
    private static List<String> requireHomeAmong(VolumeRecord volume, List<String> holders) {
        if (!holders.contains(volume.node())) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "the copy of volume '" + volume.name() + "' on its node '"
                    + volume.node() + "' is not in sync, so it could not take the snapshot (taken by " + holders + ")",
                    "wait until `wharf volume inspect " + volume.name() + "` shows it in-sync, then try again");
        }
        return holders;
    }

    /**
     * Deletes snapshots of replicated volumes' copies here that no snapshot record names any more
     * (deleted, or undone, on the node that settles them). The pool is listed before the records, so
     * a snapshot being taken now (its record is written first) is never caught.
     */
    void removeOrphans(List<VolumeRecord> copiesHere) throws IOException {
        for (VolumeRecord volume : copiesHere) {
            if (!volume.replicated() || volume.state() != VolumeState.READY || pool.volume(volume.id()).isEmpty()) {
                continue;
            }
            List<io.wharf.storage.SnapshotInfo> stored = pool.snapshots(volume.id());
            List<SnapshotRecord> records = catalog.snapshots(volume.name());
            java.util.Set<String> named = new java.util.HashSet<>();
            records.forEach(r -> named.add(r.storageId()));
            for (String export : exports.openSnapshots(volume.name())) { // views of snapshots deleted elsewhere
                String snapshot = export.substring(volume.name().length() + 1);
                if (records.stream().noneMatch(r -> r.name().equals(snapshot) && r.state() == VolumeState.READY)) {
                    exports.closeSnapshot(export);
                    nbd.disconnectAll(export);
                }
            }
            for (io.wharf.storage.SnapshotInfo info : stored) {
                if (!named.contains(info.id())) {
                    log.atInfo().addKeyValue("volume", volume.name()).addKeyValue("storageId", info.id())
                            .log("deleting a snapshot of this node's copy that no record names any more");
                    pool.deleteSnapshot(volume.id(), info.id());
                }
            }
        }
    }

    /**
     * One crash-consistent cut across volumes: I/O is held on all of them, every snapshot is taken,
     * then I/O resumes. The records turn ready in one transaction, so after a crash either the
     * whole group exists or recovery removes all of it. A replicated volume's snapshot is taken on
     * every replica in sync, as a snapshot of it alone is (the caller made sure this node is its
     * target).
     */
    List<SnapshotInfo> createGroup(List<VolumeRecord> volumes, String group) {
        synchronized (controlLock) {
            Names.requireValid("snapshot", group);
            List<SnapshotRecord> records = new ArrayList<>();
            for (VolumeRecord volume : volumes) {
                if (catalog.snapshot(volume.name(), group).isPresent()) {
                    throw new WharfException(ErrorCode.SNAPSHOT_EXISTS, "snapshot '" + volume.name() + "@" + group + "' already exists",
                            "choose another group name");
                }
                if (catalog.snapshots(volume.name()).size() >= MAX_SNAPSHOTS_PER_VOLUME) {
                    throw new WharfException(ErrorCode.SNAPSHOT_LIMIT, "volume '" + volume.name() + "' already has "
                            + MAX_SNAPSHOTS_PER_VOLUME + " snapshots", "delete snapshots you no longer need");
                }
                records.add(SnapshotRecord.of(volume.name(), group, UUID.randomUUID().toString(), volume.sizeBytes(),
                        VolumeState.CREATING, clock.now()));
            }
            catalog.putAll(records);
            List<SnapshotRecord> creating = List.copyOf(records);
            List<VolumeExport> held = new ArrayList<>();
            boolean[] storedHere = new boolean[volumes.size()];
            try {
                // Held in name order, so the order never depends on how the request listed them.
                for (VolumeRecord volume : volumes.stream().sorted(java.util.Comparator.comparing(VolumeRecord::name)).toList()) {
                    VolumeExport export = exports.volume(volume.name()).orElseThrow();
                    export.hold();
                    held.add(export);
                }
                for (int i = 0; i < volumes.size(); i++) {
                    VolumeRecord volume = volumes.get(i);
                    if (volume.replicated()) {
                        List<String> holders = replicaSnapshots.apply(volume, records.get(i).storageId());
                        storedHere[i] = holders.contains(config.nodeId());
                        records.set(i, records.get(i).withNodes(requireHomeAmong(volume, holders)));
                    } else {
                        pool.snapshot(volume.id(), records.get(i).storageId());
                        storedHere[i] = true;
                    }
                }
            } catch (IOException | RuntimeException e) {
                undoGroup(volumes, creating, storedHere); // the other copies that took one drop it in their pass over orphans
                throw VolumeService.asWharf(e, "taking group snapshot '" + group + "'");
            } finally {
                held.forEach(VolumeExport::release);
            }
            List<SnapshotRecord> ready = records.stream().map(r -> r.withState(VolumeState.READY)).toList();
            if (!catalog.putAllIfStill(creating, ready)) { // a replicated volume's new target (attached meanwhile) undid its part
                undoGroup(volumes, creating, storedHere); // the rest of the group goes too: all or nothing
                throw new WharfException(ErrorCode.UNAVAILABLE, "a volume of group '" + group + "' was attached elsewhere while the "
                        + "group snapshot was taken, and its new target dropped its part", "take the group snapshot again");
            }
            log.atInfo().addKeyValue("group", group).addKeyValue("volumes", volumes.size()).log("group snapshot created");
            List<SnapshotInfo> infos = new ArrayList<>();
            for (int i = 0; i < volumes.size(); i++) {
                infos.add(info(volumes.get(i), ready.get(i), storageFigures(volumes.get(i)).get(ready.get(i).storageId())));
            }
            return infos;
        }
    }

    /**
     * Drops a group snapshot that could not be completed: its storage here, and each of its CREATING
     * records that is still as written (one that a new target undid, and someone then took again
     * under the same name, is not this group's).
     */
    private void undoGroup(List<VolumeRecord> volumes, List<SnapshotRecord> creating, boolean[] storedHere) {
        for (int i = 0; i < creating.size(); i++) {
            try {
                if (storedHere[i]) {
                    pool.deleteSnapshot(volumes.get(i).id(), creating.get(i).storageId());
                }
                catalog.deleteIfStill(creating.get(i));
            } catch (IOException | RuntimeException undo) {
                log.atError().addKeyValue("snapshot", creating.get(i).volume() + "@" + creating.get(i).name()).setCause(undo)
                        .log("could not undo part of a failed group snapshot; the next start finishes it");
            }
        }
    }

    private String generatedName(String volume) {
        String base = GENERATED.format(clock.now());
        String name = base;
        for (int i = 2; catalog.snapshot(volume, name).isPresent(); i++) {
            name = base + "-" + i;
        }
        return name;
    }

    List<SnapshotInfo> list(String volumeName) {
        List<SnapshotRecord> records = volumeName == null ? catalog.allSnapshots() : catalog.snapshots(volumeName);
        Map<String, Map<String, io.wharf.storage.SnapshotInfo>> figures = new HashMap<>();
        List<SnapshotInfo> infos = new ArrayList<>();
        for (SnapshotRecord record : records) {
            if (record.state() != VolumeState.READY) {
                continue;
            }
            Optional<VolumeRecord> volume = catalog.get(record.volume());
            if (volume.isEmpty() || volume.get().state() != VolumeState.READY || !config.nodeId().equals(volume.get().node())) {
                continue; // another node lists the snapshots of its volumes
            }
            var byId = figures.computeIfAbsent(record.volume(), v -> storageFigures(volume.get()));
            infos.add(info(volume.get(), record, byId.get(record.storageId())));
        }
        return infos;
    }

    SnapshotInfo get(VolumeRecord volume, String name) {
        SnapshotRecord record = requireReady(volume, name);
        return info(volume, record, storageFigures(volume).get(record.storageId()));
    }

    void delete(VolumeRecord volume, String name) {
        synchronized (controlLock) {
            SnapshotRecord deleting = requireReady(volume, name).withState(VolumeState.DELETING);
            catalog.put(deleting);
            freeDeleting(volume, deleting);
        }
    }

    /** Frees the storage of a snapshot recorded as DELETING, then drops its record. */
    private void freeDeleting(VolumeRecord volume, SnapshotRecord deleting) {
        assert deleting.state() == VolumeState.DELETING : deleting;
        String export = volume.name() + "@" + deleting.name();
        exports.closeSnapshot(export);
        nbd.disconnectAll(export);
        try {
            if (!volume.replicated() || storageHas(volume, deleting.storageId())) { // a replicated volume's: where it is here
                pool.deleteSnapshot(volume.id(), deleting.storageId());
            }
        } catch (IOException | RuntimeException e) {
            throw VolumeService.asWharf(e, "deleting snapshot '" + export + "'");
        }
        catalog.deleteSnapshot(volume.name(), deleting.name());
        log.atInfo().addKeyValue("snapshot", export).log("snapshot deleted");
    }

    /** Creates the clone's storage and record; the caller holds the control lock and checked the name. */
    VolumeRecord cloneVolume(VolumeRecord source, String snapshot, String name, Map<String, String> labels,
                             BiConsumer<Long, String> capacityCheck) {
        SnapshotRecord snapshotRecord = snapshot == null ? null : requireReady(source, snapshot);
        if (snapshotRecord != null) {
            requireHeld(source, snapshotRecord, "clone", true);
        }
        long sizeBytes = snapshotRecord == null ? source.sizeBytes() : snapshotRecord.sizeBytes();
        capacityCheck.accept(sizeBytes, name);
        String origin = snapshotRecord == null ? source.name() : source.name() + "@" + snapshot;
        VolumeRecord record = VolumeRecord.of(UUID.randomUUID().toString(), name, sizeBytes, labels,
                VolumeState.CREATING, config.nodeId(), clock.now()).withSource(origin);
        catalog.create(record);
        try {
            Volume volume = pool.clone(source.id(), snapshotRecord == null ? null : snapshotRecord.storageId(), record.id());
            VolumeRecord ready = record.withState(VolumeState.READY);
            catalog.put(ready);
            exports.putVolume(new VolumeExport(name, volume));
            log.atInfo().addKeyValue("volume", name).addKeyValue("source", origin).log("volume cloned");
            return ready;
        } catch (IOException | RuntimeException e) {
            try {
                if (pool.volume(record.id()).isPresent()) {
                    pool.delete(record.id());
                }
                catalog.delete(name);
            } catch (IOException | RuntimeException undo) {
                log.atError().addKeyValue("volume", name).setCause(undo).log("could not undo a failed clone; the next start finishes it");
            }
            throw VolumeService.asWharf(e, "cloning '" + origin + "' to '" + name + "'");
        }
    }

    /** Rolls the volume back; the caller holds the control lock. */
    void revert(VolumeRecord volume, String snapshot, boolean force) {
        SnapshotRecord record = requireReady(volume, snapshot);
        disconnectForRevert(volume, force);
        try {
            pool.revert(volume.id(), record.storageId());
        } catch (IOException | RuntimeException e) {
            throw VolumeService.asWharf(e, "reverting '" + volume.name() + "' to '" + snapshot + "'");
        }
        log.atInfo().addKeyValue("volume", volume.name()).addKeyValue("snapshot", snapshot).addKeyValue("force", force)
                .log("volume reverted");
    }

    /**
     * Rolls a replicated volume back through its target, served here: {@code onReplicas} gets the
     * snapshot's storage id and the nodes whose copies hold it (the volume's node for a snapshot taken
     * on its copy alone).
     */
    void revertReplicated(VolumeRecord volume, String snapshot, boolean force, BiConsumer<String, List<String>> onReplicas) {
        SnapshotRecord record = requireReady(volume, snapshot);
        requireHeld(volume, record, "revert to", false);
        disconnectForRevert(volume, force);
        onReplicas.accept(record.storageId(), holders(volume, record));
        log.atInfo().addKeyValue("volume", volume.name()).addKeyValue("snapshot", snapshot).addKeyValue("force", force)
                .addKeyValue("holders", record.nodes()).log("replicated volume reverted");
    }

    /** Refuses a revert while clients are connected, unless forced; then disconnects them. */
    private void disconnectForRevert(VolumeRecord volume, boolean force) {
        int clients = nbd.connectionCount(volume.name());
        if (clients > 0 && !force) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE,
                    "volume '" + volume.name() + "' is in use by " + clients + " NBD client" + (clients == 1 ? "" : "s")
                            + "; reverting would change its data under them",
                    "unmount or disconnect the clients first, or add --force to disconnect them and revert");
        }
        nbd.disconnectAll(volume.name());
    }

    /** Disconnects every client of the volume's snapshot exports. */
    void disconnectAll(String volume) {
        for (SnapshotRecord record : catalog.snapshots(volume)) {
            nbd.disconnectAll(volume + "@" + record.name());
        }
    }

    /** Deletes the records of a deleted volume's snapshots (their storage went with the volume). */
    void forgetAll(String volume) {
        for (SnapshotRecord record : catalog.snapshots(volume)) {
            catalog.deleteSnapshot(volume, record.name());
        }
    }

    @Override
    public Optional<SnapshotVolume> open(String volume, String snapshot) throws IOException {
        if (!isValid(volume) || !isValid(snapshot)) {
            return Optional.empty();
        }
        Optional<VolumeRecord> volumeRecord = catalog.get(volume);
        Optional<SnapshotRecord> record = catalog.snapshot(volume, snapshot);
        if (volumeRecord.isEmpty() || volumeRecord.get().state() != VolumeState.READY
                || record.isEmpty() || record.get().state() != VolumeState.READY
                || !holders(volumeRecord.get(), record.get()).contains(config.nodeId())) {
            return Optional.empty();
        }
        return Optional.of(pool.openSnapshot(volumeRecord.get().id(), record.get().storageId()));
    }

    private static boolean isValid(String name) {
        try {
            Names.requireValid("name", name);
            return true;
        } catch (WharfException e) {
            return false;
        }
    }

    @Override
    public List<String> names() {
        return catalog.allSnapshots().stream().filter(r -> r.state() == VolumeState.READY)
                .map(r -> r.volume() + "@" + r.name()).toList();
    }

    private SnapshotRecord requireReady(VolumeRecord volume, String name) {
        Optional<SnapshotRecord> record = name == null || !isValid(name) ? Optional.empty() : catalog.snapshot(volume.name(), name);
        if (record.isEmpty() || record.get().state() != VolumeState.READY) {
            throw new WharfException(ErrorCode.SNAPSHOT_NOT_FOUND, "snapshot '" + volume.name() + "@" + name + "' does not exist",
                    "list snapshots with `wharf snapshot list " + volume.name() + "`");
        }
        return record.get();
    }

    private Map<String, io.wharf.storage.SnapshotInfo> storageFigures(VolumeRecord volume) {
        try {
            Map<String, io.wharf.storage.SnapshotInfo> byId = new HashMap<>();
            if (pool.volume(volume.id()).isEmpty()) {
                return byId; // a replicated volume's target with no copy of its own
            }
            for (io.wharf.storage.SnapshotInfo info : pool.snapshots(volume.id())) {
                byId.put(info.id(), info);
            }
            return byId;
        } catch (IOException e) {
            throw VolumeService.asWharf(e, "reading the snapshots of '" + volume.name() + "'");
        }
    }

    private SnapshotInfo info(VolumeRecord volume, SnapshotRecord record, io.wharf.storage.SnapshotInfo figures) {
        long exclusive = figures == null ? 0 : figures.exclusiveBytes();
        String uri = "nbd://" + config.advertiseHost() + ":" + nbd.port() + "/" + volume.name() + "@" + record.name();
        List<String> holders = holders(volume, record);
        return new SnapshotInfo(volume.name(), record.name(), record.storageId(), record.createdAt().toString(),
                record.sizeBytes(), exclusive, uri, holders.isEmpty() ? SnapshotInfo.LOST : SnapshotInfo.READY, holders);
    }

    /**
     * The nodes whose copies of the volume hold the snapshot now: those that took it (or were given it
     * at their rebuild) and still hold a copy of the volume. Empty when every one of them lost its copy.
     */
    static List<String> holders(VolumeRecord volume, SnapshotRecord record) {
        if (!volume.replicated() || record.nodes().isEmpty()) {
            return List.of(volume.node());
        }
        return record.nodes().stream().filter(volume::holdsData).toList();
    }

    /**
     * Refuses to use a snapshot no copy holds any more, and (for {@code onVolumesNode}: clones, which run
     * there) one the volume's node does not hold.
     */
    private static void requireHeld(VolumeRecord volume, SnapshotRecord record, String use, boolean onVolumesNode) {
        List<String> holders = holders(volume, record);
        String export = volume.name() + "@" + record.name();
        if (holders.isEmpty()) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "snapshot '" + export + "' is lost: no copy of volume '" + volume.name()
                    + "' holds it any more (it was on " + String.join(", ", record.nodes()) + "); cannot " + use + " it",
                    "delete it: wharf snapshot delete " + export);
        }
        if (onVolumesNode && !holders.contains(volume.node())) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "snapshot '" + export + "' is not on node '" + volume.node()
                    + "', where volume '" + volume.name() + "' " + use + "s run; it is on " + String.join(", ", holders),
                    "read it from a node that holds it: nbd://<node>/" + export + ", or copy it with nbdcopy");
        }
    }

    /** The snapshot records as {@link io.wharf.node.replication.SnapshotSeeding} needs them when a copy is rebuilt. */
    io.wharf.node.replication.SnapshotSeeding.Records seedRecords() {
        return new io.wharf.node.replication.SnapshotSeeding.Records() {
            @Override
            public List<io.wharf.node.replication.SnapshotSeeding.Ready> ready(String volumeId, String nodeId) {
                Optional<VolumeRecord> volume = catalog.list().stream().filter(r -> r.id().equals(volumeId)).findFirst();
                if (volume.isEmpty() || !volume.get().replicated() || nodeId.equals(volume.get().node())) {
                    return List.of();
                }
                return catalog.snapshots(volume.get().name()).stream().filter(r -> r.state() == VolumeState.READY)
                        .map(r -> new io.wharf.node.replication.SnapshotSeeding.Ready(r.storageId(), r.sizeBytes(), holders(volume.get(), r)))
                        .toList();
            }

            @Override
            public void held(String volumeId, String storageId, String nodeId, boolean held) {
                catalog.list().stream().filter(r -> r.id().equals(volumeId)).findFirst().ifPresent(volume ->
                        catalog.snapshots(volume.name()).stream().filter(r -> r.storageId().equals(storageId)).findFirst()
                                .ifPresent(record -> changeHolders(volume, record, nodeId, held)));
            }
        };
    }

    /** The volume turns replicated: its snapshots, taken on its node's copy, name that node. */
    void nameHolder(VolumeRecord volume) {
        for (SnapshotRecord record : catalog.snapshots(volume.name())) {
            if (record.state() == VolumeState.READY && record.nodes().isEmpty()) {
                catalog.putAllIfStill(List.of(record), List.of(record.withNodes(List.of(volume.node()))));
            }
        }
    }

    /** A replica of the volume was removed: its node's copy, and the snapshots in it, are gone. */
    void dropHolder(VolumeRecord volume, String node) {
        for (SnapshotRecord record : catalog.snapshots(volume.name())) {
            if (record.state() == VolumeState.READY && record.nodes().contains(node)) {
                changeHolders(volume, record, node, false);
            }
        }
    }

    /**
     * Adds ({@code held}) or removes {@code node} among the nodes whose copies hold a ready snapshot, by
     * compare-and-set on the record (read again after a conflict). A removal that would leave no holder
     * is not made: the record cannot say that.
     */
    private void changeHolders(VolumeRecord volume, SnapshotRecord record, String node, boolean held) {
        SnapshotRecord current = record;
        for (int attempt = 0; attempt < 10; attempt++) {
            if (current.state() != VolumeState.READY || !current.storageId().equals(record.storageId())) {
                return;
            }
            List<String> holders = new ArrayList<>(current.nodes().isEmpty() ? List.of(volume.node()) : current.nodes());
            boolean changes = held ? !holders.contains(node) : holders.contains(node) && holders.size() > 1;
            if (!changes) {
                return;
            }
            if (held) {
                holders.add(node);
            } else {
                holders.remove(node);
            }
            if (catalog.putAllIfStill(List.of(current), List.of(current.withNodes(holders)))) {
                return;
            }
            Optional<SnapshotRecord> reread = catalog.snapshot(current.volume(), current.name());
            if (reread.isEmpty()) {
                return;
            }
            current = reread.get();
        }
        throw new WharfException(ErrorCode.UNAVAILABLE, "snapshot " + record.volume() + "@" + record.name()
                + " kept changing while its holders were updated", "the next rebuild of the copy tries again");
    }
}
