package io.wharf.node;

import io.wharf.api.BackupApi;
import io.wharf.api.BackupCreate;
import io.wharf.api.BackupRestore;
import io.wharf.api.BackupScheduleInfo;
import io.wharf.api.BackupScheduleSet;
import io.wharf.api.BackupStatus;
import io.wharf.api.BackupTargetCreate;
import io.wharf.api.BackupTargetInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.backup.BackupConfig;
import io.wharf.backup.BackupEngine;
import io.wharf.backup.BackupError;
import io.wharf.backup.BackupException;
import io.wharf.backup.BackupInfo;
import io.wharf.backup.BackupRequest;
import io.wharf.backup.ByteRange;
import io.wharf.backup.GcOptions;
import io.wharf.backup.ProgressListener;
import io.wharf.backup.RestoreDestination;
import io.wharf.backup.VolumeSource;
import io.wharf.backup.crypto.EncryptionSecret;
import io.wharf.backup.target.S3Credentials;
import io.wharf.backup.target.TargetSpec;
import io.wharf.control.schedule.Schedule;
import io.wharf.core.Clock;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.model.BackupJobRecord;
import io.wharf.metadata.model.BackupScheduleRecord;
import io.wharf.metadata.model.BackupTargetRecord;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.ModelCodec;
import io.wharf.metadata.model.SnapshotRecord;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.storage.Pool;
import io.wharf.storage.SnapshotVolume;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of this node's volumes to object storage or a directory, and restores into new volumes
 * on this node, through the {@link BackupEngine}. Targets (with their secrets) and jobs live in the
 * cluster store, so every node lists the same targets and shows every job; a job runs on one node.
 *
 * <p>A backup: a snapshot named {@code backup-<id>} is taken where the volume's data is (a request
 * to another node is passed there), then uploaded on a virtual thread; what changed since the
 * volume's previous backup comes from the snapshots' layer maps ({@link Pool#changedBlocks}). When it
 * completes, the snapshot stays as the base of the next incremental and the older backup snapshots
 * are deleted. A job left {@code running} by a crash is resumed by its node at start: the engine
 * skips the chunks already in the target.
 *
 * <p>A restore creates the new volume on this node, writes the backup into it, and deletes it again
 * if anything fails (a missing or corrupt chunk is named in the job's error). A restore interrupted
 * by a crash starts over at the next start (the volume holds only data of the same backup).
 */
final class BackupService implements BackupApi {
    private static final Logger log = LoggerFactory.getLogger(BackupService.class);
    static final String SNAPSHOT_PREFIX = "backup-";
    private static final String RESTORE_PREFIX = "restore-";
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final NodeConfig config;
    private final ClusterStore store;
    private final VolumeService volumes;
    private final VolumeCatalog catalog;
    private final Pool pool;
    private final Clock clock;
    private final BackupConfig engineConfig;
    /** Jobs running on this node, by id: a job runs once at a time. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    BackupService(NodeConfig config, ClusterStore store, VolumeService volumes, VolumeCatalog catalog, Pool pool, Clock clock,
                  BackupConfig engineConfig) {
        this.config = config;
        this.store = store;
        this.volumes = volumes;
        this.catalog = catalog;
        this.pool = pool;
        this.clock = clock;
        this.engineConfig = engineConfig;
    }

    // --- targets ---

    @Override
    public BackupTargetInfo createBackupTarget(BackupTargetCreate request) {
        if (request == null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "no backup target was given", "send name and location");
        }
        String name = Names.requireValid("backup target", request.name());
        String passphrase = blankToNull(request.passphrase());
        if (request.fullEvery() != null && request.fullEvery() < 1) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "full-every " + request.fullEvery() + " is not a positive number",
                    "give 1 for only full backups, 7 (the default) for a full one after six incrementals");
        }
        BackupTargetRecord record = BackupTargetRecord.of(name, request.location() == null ? "" : request.location().strip(),
                blankToNull(request.accessKeyId()), blankToNull(request.secretAccessKey()), passphrase, clock.now(),
                request.fullEvery() == null ? 0 : request.fullEvery());
        if ((record.accessKeyId() == null) != (record.secretAccessKey() == null)) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "an S3 access key id needs its secret key, and the other way round",
                    "give both --access-key-id and --secret-access-key, or neither to use the nodes' AWS_* environment");
        }
        if (target(name).isPresent()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "backup target '" + name + "' already exists",
                    "choose another name, or delete the target first (its backups stay where they are)");
        }
        try (BackupEngine engine = open(record)) { // reaches the target and checks (or sets up) its key
            log.atInfo().addKeyValue("target", name).addKeyValue("location", engine.describe()).log("backup target added");
        }
        Bytes key = Bytes.of(Keys.backupTarget(name));
        if (!store.txn(io.wharf.metadata.Txn.when(io.wharf.metadata.Compare.absent(key))
                .then(io.wharf.metadata.Op.put(key, Bytes.of(ModelCodec.encode(record)))).otherwise()).succeeded()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "backup target '" + name + "' already exists",
                    "choose another name, or delete the target first (its backups stay where they are)");
        }
        return info(record);
    }

    @Override
    public List<BackupTargetInfo> listBackupTargets() {
        return targets().stream().map(BackupService::info).toList();
    }

    @Override
    public BackupTargetInfo getBackupTarget(String name) {
        return info(requireTarget(name));
    }

    @Override
    public void deleteBackupTarget(String name) {
        requireTarget(name);
        store.delete(Keys.backupTarget(name));
        log.atInfo().addKeyValue("target", name).log("backup target removed");
    }

    // --- backups ---

    @Override
    public BackupStatus createBackup(BackupCreate request) {
        if (request == null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "no backup request was given", "send volume and target");
        }
        VolumeRecord volume = volumes.requireReady(Names.requireValid("volume", request.volume()));
        BackupTargetRecord target = requireTarget(request.target());
        if (!config.nodeId().equals(volume.node())) {
            return volumes.peerBackups(volume.node(), "volume '" + volume.name() + "'").createBackup(request);
        }
        if (request.bandwidthBytesPerSecond() < 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "bandwidth " + request.bandwidthBytesPerSecond() + " is negative",
                    "give bytes per second, or 0 for no limit");
        }
        return status(startBackup(volume, target, request.full(), request.bandwidthBytesPerSecond(), null));
    }

    /** Snapshots the local volume and starts uploading it; {@code rule} is the schedule rule behind it, or null. */
    private BackupJobRecord startBackup(VolumeRecord volume, BackupTargetRecord target, boolean full, long bandwidth,
                                        Schedule.Rule rule) {
        String id = ID_TIME.format(clock.now()) + "-" + String.format("%08x", ThreadLocalRandom.current().nextInt());
        String snapshot = SNAPSHOT_PREFIX + id;
        volumes.createSnapshot(volume.name(), snapshot);
        BackupJobRecord job = BackupJobRecord.started(BackupJobRecord.BACKUP, id, volume.name(), target.name(), config.nodeId(),
                snapshot, id, bandwidth, clock.now());
        if (rule != null) {
            job = job.byRule(rule.kind(), rule.keep());
        }
        putJob(job);
        start(job, full);
        return job;
    }

    // --- schedules ---

    @Override
    public BackupScheduleInfo setBackupSchedule(String volume, BackupScheduleSet request) {
        VolumeRecord record = volumes.requireReady(Names.requireValid("volume", volume));
        if (request == null || request.schedule() == null || request.schedule().isBlank()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "no backup schedule was given",
                    "give rules like --schedule daily=02:00,keep=7;weekly=sun@03:00,keep=4");
        }
        Schedule.parse(request.schedule().strip());
        BackupTargetRecord target = requireTarget(request.target());
        BackupScheduleRecord schedule = BackupScheduleRecord.of(record.name(), target.name(), request.schedule().strip(), clock.now());
        store.put(Bytes.of(Keys.backupSchedule(record.name())), Bytes.of(ModelCodec.encode(schedule)));
        log.atInfo().addKeyValue("volume", record.name()).addKeyValue("target", target.name())
                .addKeyValue("schedule", schedule.schedule()).log("backup schedule set");
        return info(schedule);
    }

    @Override
    public List<BackupScheduleInfo> listBackupSchedules() {
        return schedules().stream().map(BackupService::info).toList();
    }

    @Override
    public void deleteBackupSchedule(String volume) {
        if (store.get(Keys.backupSchedule(Names.requireValid("volume", volume))).isEmpty()) {
            throw new WharfException(ErrorCode.NOT_FOUND, "volume '" + volume + "' has no backup schedule",
                    "list schedules with `wharf backup schedule list`");
        }
        store.delete(Keys.backupSchedule(volume));
    }

    /**
     * The schedule controller's pass: starts the scheduled backups that are due for volumes whose
     * data is on this node, one per volume at a time. A rule is due when its next run after its last
     * backup (or after the schedule was set) has come, so after downtime each rule runs once.
     */
    void tick(Instant now) {
        List<BackupJobRecord> jobs = jobs();
        for (BackupScheduleRecord scheduled : schedules()) {
            Optional<VolumeRecord> volume = catalog.get(scheduled.volume());
            if (volume.isEmpty() || volume.get().state() != io.wharf.metadata.model.VolumeState.READY
                    || !config.nodeId().equals(volume.get().node())
                    || jobs.stream().anyMatch(j -> j.running() && j.kind().equals(BackupJobRecord.BACKUP)
                    && j.volume().equals(scheduled.volume()))) {
                continue;
            }
            try {
                Schedule schedule = Schedule.parse(scheduled.schedule());
                List<Schedule.Rule> due = schedule.due(rule -> lastRun(jobs, scheduled, rule.kind()), now, ZoneOffset.UTC);
                if (!due.isEmpty()) {
                    startBackup(volume.get(), requireTarget(scheduled.target()), false, 0, due.getFirst());
                }
            } catch (WharfException e) {
                log.atWarn().addKeyValue("volume", scheduled.volume()).addKeyValue("error", e.getMessage()).log("scheduled backup failed");
            }
        }
    }

    private static Instant lastRun(List<BackupJobRecord> jobs, BackupScheduleRecord scheduled, String rule) {
        return jobs.stream().filter(j -> j.kind().equals(BackupJobRecord.BACKUP) && j.volume().equals(scheduled.volume())
                        && rule.equals(j.rule()) && j.startedAt().isAfter(scheduled.since()))
                .map(BackupJobRecord::startedAt).max(Comparator.naturalOrder()).orElse(scheduled.since());
    }

    /**
     * Keeps the newest {@code keep} backups a rule made of a volume (the retention the rule had when
     * it started this backup, even if the schedule changed since); deletes the older ones, then
     * collects their chunks.
     */
    private void prune(BackupTargetRecord target, String volume, String rule, int keep) {
        if (keep <= 0) {
            return;
        }
        int deleted = 0;
        try (BackupEngine engine = open(target)) {
            List<BackupInfo> made = engine.list(volume).stream().filter(b -> rule.equals(b.labels().get("rule")))
                    .sorted(Comparator.comparing(BackupInfo::createdAt).reversed()).toList();
            for (BackupInfo old : made.subList(Math.min(keep, made.size()), made.size())) {
                engine.delete(old.backupId());
                store.delete(Keys.backupJob(old.backupId()));
                deleted++;
            }
        }
        if (deleted > 0) {
            log.atInfo().addKeyValue("volume", volume).addKeyValue("rule", rule).addKeyValue("deleted", deleted).log("backups pruned");
            collectGarbage(target);
        }
    }

    @Override
    public List<BackupStatus> listBackups(String volume, String target) {
        List<BackupTargetRecord> targets = target == null ? targets() : List.of(requireTarget(target));
        List<BackupStatus> backups = new ArrayList<>();
        Set<String> complete = new HashSet<>();
        for (BackupTargetRecord record : targets) {
            try (BackupEngine engine = open(record)) {
                for (BackupInfo info : volume == null ? engine.list() : engine.list(volume)) {
                    complete.add(info.backupId());
                    backups.add(status(record.name(), info, job(info.backupId()).orElse(null)));
                }
            }
        }
        for (BackupJobRecord job : jobs()) {
            if (job.kind().equals(BackupJobRecord.BACKUP) && !complete.contains(job.id()) && !job.state().equals(BackupJobRecord.DONE)
                    && (volume == null || volume.equals(job.volume())) && (target == null || target.equals(job.target()))) {
                backups.add(status(job));
            }
        }
        backups.sort(Comparator.comparing(BackupStatus::startedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(BackupStatus::id));
        return backups;
    }

    @Override
    public BackupStatus getBackup(String id, String target) {
        Names.requireValid("backup", id);
        Optional<BackupJobRecord> job = job(id).filter(j -> j.kind().equals(BackupJobRecord.BACKUP));
        if (job.isPresent() && !job.get().state().equals(BackupJobRecord.DONE)) {
            return status(job.get());
        }
        List<BackupTargetRecord> targets = target != null ? List.of(requireTarget(target))
                : job.map(j -> List.of(requireTarget(j.target()))).orElseGet(this::targets);
        for (BackupTargetRecord record : targets) {
            Optional<BackupInfo> info = inspect(record, id);
            if (info.isPresent()) {
                return status(record.name(), info.get(), job.orElse(null));
            }
        }
        throw backupNotFound(id, target);
    }

    @Override
    public void deleteBackup(String id, String target) {
        BackupStatus backup = getBackup(id, target);
        if (BackupJobRecord.RUNNING.equals(backup.state())) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE, "backup " + id + " is still running",
                    "wait until `wharf backup inspect " + id + "` shows it done, then delete it");
        }
        BackupTargetRecord record = requireTarget(backup.target());
        if (BackupJobRecord.DONE.equals(backup.state())) {
            try (BackupEngine engine = open(record)) {
                engine.delete(id);
            }
            Thread.ofVirtual().name("backup-gc-" + record.name()).start(() -> collectGarbage(record));
        }
        job(id).ifPresent(j -> store.delete(Keys.backupJob(id)));
        log.atInfo().addKeyValue("backup", id).addKeyValue("target", record.name()).log("backup deleted");
    }

    @Override
    public BackupStatus restoreBackup(String id, BackupRestore request) {
        if (request == null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "no restore request was given", "send target and volume");
        }
        String name = Names.requireValid("volume", request.volume());
        BackupTargetRecord target = requireTarget(request.target());
        BackupInfo backup;
        try (BackupEngine engine = open(target)) {
            backup = inspect(engine, id).orElseThrow(() -> backupNotFound(id, target.name()));
        }
        String jobId = RESTORE_PREFIX + name;
        if (job(jobId).filter(BackupJobRecord::running).isPresent()) {
            throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + name + "' is being restored already",
                    "wait for `wharf backup restore` to finish, or choose another name");
        }
        volumes.createVolume(new VolumeCreate(name, backup.sizeBytes(), Map.of()).on(config.nodeId()));
        BackupJobRecord job = BackupJobRecord.started(BackupJobRecord.RESTORE, jobId, name, target.name(), config.nodeId(), null, id,
                0, clock.now());
        putJob(job);
        start(job, false);
        return status(job);
    }

    @Override
    public BackupStatus getBackupJob(String id) {
        return job(Names.requireValid("job", id)).map(BackupService::status).orElseThrow(() -> new WharfException(
                ErrorCode.NOT_FOUND, "no backup or restore job '" + id + "'", "list backups with `wharf backup list`"));
    }

    /** Resumes the jobs a crash left running on this node (called once the node has started). */
    void resume() {
        for (BackupJobRecord job : jobs()) {
            if (job.running() && config.nodeId().equals(job.node())) {
                log.atInfo().addKeyValue("job", job.id()).addKeyValue("kind", job.kind()).log("resuming a backup job");
                start(job, false);
            }
        }
    }

    // --- jobs ---

    private void start(BackupJobRecord job, boolean full) {
        if (!running.add(job.id())) {
            return;
        }
        Thread.ofVirtual().name("backup-job-" + job.id()).start(() -> {
            try {
                if (job.kind().equals(BackupJobRecord.BACKUP)) {
                    runBackup(job, full);
                } else {
                    runRestore(job);
                }
            } finally {
                running.remove(job.id());
            }
        });
    }

    private void runBackup(BackupJobRecord job, boolean full) {
        JobProgress progress = new JobProgress(job);
        try {
            VolumeRecord volume = volumes.requireReady(job.volume());
            BackupTargetRecord target = requireTarget(job.target());
            SnapshotRecord snapshot = catalog.snapshot(volume.name(), job.snapshot()).orElseThrow(() -> new WharfException(
                    ErrorCode.SNAPSHOT_NOT_FOUND, "the snapshot " + job.snapshot() + " of backup " + job.id() + " is gone",
                    "start a new backup"));
            BackupInfo done;
            try (BackupEngine engine = open(target, job.bandwidthBytesPerSecond());
                    SnapshotVolume image = pool.openSnapshot(volume.id(), snapshot.storageId())) {
                Map<String, String> labels = new java.util.HashMap<>(Map.of("snapshot", snapshot.name(), "volumeId", volume.id()));
                if (job.rule() != null) {
                    labels.put("rule", job.rule());
                }
                BackupRequest request = BackupRequest.of(volume.name(), new SnapshotSource(volume, snapshot, image))
                        .withBackupId(job.id()).withLabels(labels);
                done = engine.create(full ? request.full() : request, progress);
            }
            dropOlderBackupSnapshots(volume.name(), snapshot.name());
            if (job.rule() != null) {
                try {
                    prune(target, volume.name(), job.rule(), job.keep());
                } catch (RuntimeException e) { // the backup is complete; the next one of the rule prunes again
                    log.atWarn().addKeyValue("volume", volume.name()).addKeyValue("rule", job.rule()).setCause(e).log("pruning failed");
                }
            }
            progress.finish(BackupJobRecord.DONE, null); // after the pruning: a done job has its rule's retention applied
            log.atInfo().addKeyValue("backup", job.id()).addKeyValue("volume", job.volume()).addKeyValue("full", done.full())
                    .addKeyValue("uploadedBytes", done.uploadedBytes()).log("backup done");
        } catch (IOException | RuntimeException e) {
            log.atWarn().addKeyValue("backup", job.id()).addKeyValue("volume", job.volume()).setCause(e).log("backup failed");
            progress.finish(BackupJobRecord.FAILED, message(e));
            deleteSnapshotQuietly(job.volume(), job.snapshot());
        }
    }

    private void runRestore(BackupJobRecord job) {
        JobProgress progress = new JobProgress(job);
        try {
            VolumeRecord volume = volumes.requireReady(job.volume());
            Volume data = pool.volume(volume.id()).orElseThrow(() -> new WharfException(ErrorCode.VOLUME_NOT_FOUND,
                    "volume '" + job.volume() + "' is not in this node's pool", "restore through the node that holds it"));
            try (BackupEngine engine = open(requireTarget(job.target()))) {
                engine.restore(job.backupId(), new VolumeDestination(job.volume(), data), progress);
            }
            progress.finish(BackupJobRecord.DONE, null);
            log.atInfo().addKeyValue("backup", job.backupId()).addKeyValue("volume", job.volume()).log("restore done");
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("backup", job.backupId()).addKeyValue("volume", job.volume()).setCause(e).log("restore failed");
            progress.finish(BackupJobRecord.FAILED, message(e));
            if (catalog.get(job.volume()).isPresent()) { // the engine discards before it throws; a failure before it began too
                deleteVolumeQuietly(job.volume());
            }
        }
    }

    /** Keeps the job record's progress current (at most once a second) and writes its end. */
    private final class JobProgress implements ProgressListener {
        private BackupJobRecord job;
        private long lastWrite;

        JobProgress(BackupJobRecord job) {
            this.job = job;
        }

        @Override
        public void progress(Progress progress) {
            long now = System.nanoTime();
            if (now - lastWrite < PROGRESS_EVERY.toNanos() && progress.phase() != Phase.DONE) {
                return;
            }
            lastWrite = now;
            job = job.withProgress(progress.doneBytes(), progress.totalBytes());
            try {
                putJob(job);
            } catch (RuntimeException e) { // progress is informational; the end state is written again
                log.atDebug().addKeyValue("job", job.id()).setCause(e).log("could not record progress");
            }
        }

        void finish(String state, String error) {
            job = job.finished(state, error, clock.now());
            putJob(job);
        }
    }

    /** A snapshot of a local volume as the engine reads it, with its changes since the base backup's snapshot. */
    private final class SnapshotSource implements VolumeSource {
        private final VolumeRecord volume;
        private final SnapshotRecord snapshot;
        private final SnapshotVolume image;

        SnapshotSource(VolumeRecord volume, SnapshotRecord snapshot, SnapshotVolume image) {
            this.volume = volume;
            this.snapshot = snapshot;
            this.image = image;
        }

        @Override
        public long sizeBytes() {
            return image.sizeBytes();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            long end = Math.min(image.sizeBytes(), offset + dst.remaining());
            if (offset < end) {
                int length = (int) (end - offset);
                image.read(offset, dst.slice(dst.position(), length));
                dst.position(dst.position() + length);
            }
            while (dst.hasRemaining()) { // past the image's end reads zeros
                dst.put((byte) 0);
            }
        }

        @Override
        public Optional<List<ByteRange>> changedSince(BackupInfo base) throws IOException {
            String baseName = base.labels().get("snapshot");
            if (baseName == null || !volume.id().equals(base.labels().get("volumeId"))) {
                return Optional.empty();
            }
            Optional<SnapshotRecord> baseSnapshot = catalog.snapshot(volume.name(), baseName);
            if (baseSnapshot.isEmpty()) {
                return Optional.empty();
            }
            List<ByteRange> ranges = new ArrayList<>();
            long[] at = {0};
            try {
                pool.changedBlocks(volume.id(), baseSnapshot.get().storageId(), snapshot.storageId(), (length, changed) -> {
                    if (changed) {
                        ranges.add(new ByteRange(at[0], length));
                    }
                    at[0] += length;
                    return true;
                });
            } catch (WharfException e) { // not in this snapshot's history any more: read everything
                return Optional.empty();
            }
            return Optional.of(ranges);
        }
    }

    /** The new volume a restore writes; discarding it deletes it. */
    private final class VolumeDestination implements RestoreDestination {
        private final String name;
        private final Volume volume;

        VolumeDestination(String name, Volume volume) {
            this.name = name;
            this.volume = volume;
        }

        @Override
        public long sizeBytes() {
            return volume.sizeBytes();
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            volume.write(offset, src);
        }

        @Override
        public void flush() throws IOException {
            volume.flush();
        }

        @Override
        public void discard() {
            deleteVolumeQuietly(name);
        }
    }

    // --- helpers ---

    private BackupEngine open(BackupTargetRecord record) {
        return open(record, 0);
    }

    private BackupEngine open(BackupTargetRecord record, long bandwidthBytesPerSecond) {
        S3Credentials credentials = record.accessKeyId() != null ? S3Credentials.of(record.accessKeyId(), record.secretAccessKey())
                : resolveFromEnvironment(record.location());
        TargetSpec spec = TargetSpec.parse(record.location(), credentials);
        EncryptionSecret secret = record.passphrase() == null ? null : EncryptionSecret.passphrase(record.passphrase());
        BackupConfig config = record.fullEvery() > 0 ? engineConfig.withFullEvery(record.fullEvery()) : engineConfig;
        return BackupEngine.open(spec, bandwidthBytesPerSecond > 0 ? config.withBandwidth(bandwidthBytesPerSecond) : config, secret);
    }

    private static S3Credentials resolveFromEnvironment(String location) {
        if (location.startsWith("/")) {
            return null;
        }
        try {
            return S3Credentials.resolve(null, null, System.getenv(), null, null);
        } catch (BackupException e) { // none: the target refuses with CREDENTIALS_MISSING when opened
            return null;
        }
    }

    private Optional<BackupInfo> inspect(BackupTargetRecord record, String id) {
        try (BackupEngine engine = open(record)) {
            return inspect(engine, id);
        }
    }

    private static Optional<BackupInfo> inspect(BackupEngine engine, String id) {
        try {
            return Optional.of(engine.inspect(id));
        } catch (BackupException e) {
            if (e.reason() == BackupError.BACKUP_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private void collectGarbage(BackupTargetRecord record) {
        try (BackupEngine engine = open(record)) {
            engine.collectGarbage(GcOptions.defaults());
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("target", record.name()).setCause(e).log("garbage collection failed; the next one retries");
        }
    }

    /** Deletes the volume's earlier backup snapshots: the newest is the base of the next incremental. */
    private void dropOlderBackupSnapshots(String volume, String keep) {
        for (SnapshotRecord snapshot : catalog.snapshots(volume)) {
            if (snapshot.name().startsWith(SNAPSHOT_PREFIX) && !snapshot.name().equals(keep)
                    && jobs().stream().noneMatch(j -> j.running() && snapshot.name().equals(j.snapshot()))) {
                deleteSnapshotQuietly(volume, snapshot.name());
            }
        }
    }

    private void deleteSnapshotQuietly(String volume, String snapshot) {
        try {
            if (catalog.snapshot(volume, snapshot).isPresent()) {
                volumes.deleteSnapshot(volume, snapshot);
            }
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("volume", volume).addKeyValue("snapshot", snapshot).setCause(e).log("could not delete a backup snapshot");
        }
    }

    private void deleteVolumeQuietly(String name) {
        try {
            volumes.deleteVolume(name, true);
        } catch (RuntimeException e) {
            log.atError().addKeyValue("volume", name).setCause(e).log("could not delete a half-restored volume");
        }
    }

    private Optional<BackupTargetRecord> target(String name) {
        return store.get(Keys.backupTarget(name)).map(kv -> ModelCodec.decode(kv.value().toByteArray(), BackupTargetRecord.class));
    }

    private BackupTargetRecord requireTarget(String name) {
        return target(Names.requireValid("backup target", name)).orElseThrow(() -> new WharfException(ErrorCode.NOT_FOUND,
                "backup target '" + name + "' does not exist", "list targets with `wharf backup target list`"));
    }

    private List<BackupTargetRecord> targets() {
        return store.range(Keys.backupTargets()).stream()
                .map(kv -> ModelCodec.decode(kv.value().toByteArray(), BackupTargetRecord.class))
                .sorted(Comparator.comparing(BackupTargetRecord::name)).toList();
    }

    private Optional<BackupJobRecord> job(String id) {
        return store.get(Keys.backupJob(id)).map(kv -> ModelCodec.decode(kv.value().toByteArray(), BackupJobRecord.class));
    }

    private List<BackupScheduleRecord> schedules() {
        return store.range(Keys.backupSchedules()).stream()
                .map(kv -> ModelCodec.decode(kv.value().toByteArray(), BackupScheduleRecord.class)).toList();
    }

    private static BackupScheduleInfo info(BackupScheduleRecord record) {
        return new BackupScheduleInfo(record.volume(), record.target(), record.schedule(), record.since().toString());
    }

    private List<BackupJobRecord> jobs() {
        return store.range(Keys.backupJobs()).stream()
                .map(kv -> ModelCodec.decode(kv.value().toByteArray(), BackupJobRecord.class)).toList();
    }

    private void putJob(BackupJobRecord job) {
        store.put(Bytes.of(Keys.backupJob(job.id())), Bytes.of(ModelCodec.encode(job)));
    }

    private static WharfException backupNotFound(String id, String target) {
        return new WharfException(ErrorCode.NOT_FOUND, "no backup '" + id + "'" + (target == null ? " in any target" : " in target " + target),
                "list backups with `wharf backup list`");
    }

    private static String message(Exception e) {
        return e instanceof WharfException w ? w.code() + ": " + w.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }

    static BackupTargetInfo info(BackupTargetRecord record) {
        boolean directory = record.location().startsWith("/");
        String credentials = directory ? "none" : record.accessKeyId() == null ? "node environment"
                : "stored (key id " + S3Credentials.of(record.accessKeyId(), record.secretAccessKey()).maskedAccessKeyId() + ")";
        return new BackupTargetInfo(record.name(), directory ? "directory" : "s3", record.location(), credentials,
                record.passphrase() != null, record.fullEvery() > 0 ? record.fullEvery() : BackupConfig.defaults().fullEvery(),
                record.createdAt().toString());
    }

    private static BackupStatus status(BackupJobRecord job) {
        return new BackupStatus(job.id(), job.kind(), job.volume(), job.target(), job.state(), job.node(), job.doneBytes(),
                job.totalBytes(), 0, false, null, 0, 0, 0, job.snapshot(), job.backupId(), job.error(), job.startedAt().toString(),
                job.finishedAt() == null ? null : job.finishedAt().toString());
    }

    private static BackupStatus status(String target, BackupInfo info, BackupJobRecord job) {
        Instant started = info.createdAt();
        String state = job != null && job.running() ? BackupJobRecord.RUNNING : BackupJobRecord.DONE; // (finishing: pruning)
        return new BackupStatus(info.backupId(), BackupJobRecord.BACKUP, info.volume(), target, state,
                job == null ? null : job.node(), info.dataBytes(), info.dataBytes(), info.sizeBytes(), info.full(), info.baseBackupId(),
                info.uploadedBytes(), info.newBytes(), info.dataBytes(), info.labels().get("snapshot"), info.backupId(), null,
                started == null ? null : started.toString(), info.completedAt() == null ? null : info.completedAt().toString());
    }
}
