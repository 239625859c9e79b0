package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.storage.journal.JournalBatch;
import io.wharf.storage.journal.JournalRecord;
import io.wharf.storage.journal.JournalRing;
import io.wharf.storage.journal.MapCheckpoint;
import io.wharf.storage.layer.CommitStage;
import io.wharf.storage.layer.LayerHeader;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated crashes. A process crash leaves on disk exactly what was written before it (the page
 * cache survives), so copying the pool directory while nothing writes gives the disk of a process
 * killed at that instant. Copies are taken between operations and at every {@link CommitStage}
 * inside flushes; power loss is simulated by damaging a copy the way a sync that did not complete
 * would (data blocks missing, torn journal tail).
 */
class CrashImageTest {
    private static final int BLOCK = 4096;
    private static final int VOLUME_BYTES = 1024 * 1024;

    @TempDir
    Path directory;

    @Test
    void everyImageRecoversFlushedDataAndOldOrNewElsewhere() throws IOException {
        String fixed = System.getProperty("wharf.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        try {
            runImages(seed, LayerOptions.DEFAULTS.withJournalBytes(8 * 1024));
            runImages(seed + 1, LayerOptions.DEFAULTS.withJournalBytes(8 * 1024).withPunchHoles(false));
        } catch (AssertionError | IOException | RuntimeException e) {
            throw new AssertionError("crash image test failed with seed " + seed + " (rerun with -Dwharf.seed=" + seed + ")", e);
        }
    }

    private void runImages(long seed, LayerOptions options) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        Path poolDirectory = directory.resolve("pool-" + seed);
        Tracker tracker = new Tracker();
        List<Image> images = new ArrayList<>();
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults(), options)) {
            Volume volume = pool.create("vol", VOLUME_BYTES);
            pool.chainVolume("vol").observeCommits(stage -> {
                if (images.size() < 60 && random.nextInt(4) == 0) {
                    boolean exact = tracker.inTopLevelFlush && stage != CommitStage.CHECKPOINT_ENCODED;
                    images.add(tracker.image(poolDirectory, directory.resolve("image-" + seed + "-" + images.size()), stage.name(), exact));
                }
            });
            for (int step = 0; step < 300; step++) {
                int kind = random.nextInt(100);
                long offset = random.nextInt(VOLUME_BYTES / BLOCK - 8) * (long) BLOCK + (random.nextBoolean() ? 0 : random.nextInt(BLOCK));
                int length = 1 + random.nextInt(random.nextBoolean() ? BLOCK : 6 * BLOCK);
                if (kind < 55) {
                    byte[] data = VolumeIoTest.pattern(length, random.nextInt());
                    tracker.beforeChange(offset, length, content -> System.arraycopy(data, 0, content, (int) offset, length));
                    volume.write(offset, ByteBuffer.wrap(data));
                } else if (kind < 70) {
                    tracker.beforeChange(offset, length, content -> Arrays.fill(content, (int) offset, (int) offset + length, (byte) 0));
                    volume.trim(offset, length);
                } else if (kind < 90) {
                    tracker.inTopLevelFlush = true;
                    volume.flush();
                    tracker.inTopLevelFlush = false;
                    tracker.flushed();
                } else if (images.size() < 60) {
                    images.add(tracker.image(poolDirectory, directory.resolve("image-" + seed + "-" + images.size()), "between operations", false));
                }
            }
        }
        assertThat(images).isNotEmpty();
        for (Image image : images) {
            image.verify();
        }
    }

    @Test
    void newestRecordWhoseDataDidNotReachTheDiskIsDropped() throws IOException {
        Path poolDirectory = directory.resolve("pool");
        Path image = directory.resolve("image");
        byte[] a = VolumeIoTest.pattern(BLOCK, 1);
        byte[] b1 = VolumeIoTest.pattern(BLOCK, 2);
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults())) {
            Volume volume = pool.create("vol", VOLUME_BYTES);
            volume.write(0, ByteBuffer.wrap(a));
            volume.flush();
            volume.write(1 * BLOCK, ByteBuffer.wrap(b1));
            volume.write(2 * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(BLOCK, 3)));
            volume.write(3 * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(BLOCK, 4)));
            pool.chainVolume("vol").observeCommits(stage -> {
                if (stage == CommitStage.BATCH_WRITTEN && !Files.exists(image)) {
                    SparseFiles.copyTree(poolDirectory, image);
                }
            });
            volume.flush();
        }
        // Power loss during that sync: the record made it, block 2's data did not (a hole), block 3 is torn.
        Path layer = layerFile(image, "vol");
        try (FileChannel channel = FileChannel.open(layer, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(BLOCK), LayerOptions.METADATA_REGION_BYTES + 2 * BLOCK);
            channel.write(ByteBuffer.wrap(new byte[BLOCK / 2]), LayerOptions.METADATA_REGION_BYTES + 3 * BLOCK);
        }
        // Round 0 recovers the damaged image, appends a new record and "crashes" (copy while open);
        // round 1 recovers that: the damaged record is no longer the newest and must not come back.
        Path[] images = {image, directory.resolve("image-after-recovery")};
        for (int round = 0; round < 2; round++) {
            try (Pool pool = Pool.open(images[round], PoolConfig.defaults())) {
                Volume volume = pool.volume("vol").orElseThrow();
                assertThat(read(volume, 0)).isEqualTo(a);
                assertThat(read(volume, 1)).isEqualTo(b1);
                assertThat(read(volume, 2)).containsOnly(0);
                assertThat(read(volume, 3)).containsOnly(0);
                assertThat(volume.allocatedBytes()).isEqualTo((2 + round) * BLOCK);
                List<String> runs = VolumeIoTest.extents(volume, 0, 4 * BLOCK);
                assertThat(runs).containsExactly(2 * BLOCK + ":data", 2 * BLOCK + ":hole");
                if (round == 0) {
                    volume.write(10 * BLOCK, ByteBuffer.wrap(new byte[] {1}));
                    volume.flush();
                    SparseFiles.copyTree(images[0], images[1]);
                }
            }
        }
        try (Pool pool = Pool.open(image, PoolConfig.defaults())) { // and it keeps working
            Volume volume = pool.volume("vol").orElseThrow();
            volume.write(3 * BLOCK + 10, ByteBuffer.wrap(new byte[] {7}));
            volume.flush();
            byte[] expected = new byte[BLOCK];
            expected[10] = 7;
            assertThat(read(volume, 3)).isEqualTo(expected);
        }
    }

    @Test
    void overwriteOfAJustFlushedBlockIsNeverRolledBackBeyondTheFlush() throws IOException {
        Path poolDirectory = directory.resolve("pool");
        Path image = directory.resolve("image");
        byte[] a = VolumeIoTest.pattern(BLOCK, 1);
        byte[] b = VolumeIoTest.pattern(BLOCK, 2);
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults())) {
            Volume volume = pool.create("vol", VOLUME_BYTES);
            volume.write(5 * BLOCK, ByteBuffer.wrap(a));
            volume.flush(); // newest record: block 5 = DATA with crc(a)
            long syncs = pool.chainVolume("vol").chain().head().syncCount();
            volume.write(5 * BLOCK, ByteBuffer.wrap(b)); // must first confirm that record
            assertThat(pool.chainVolume("vol").chain().head().syncCount()).isEqualTo(syncs + 1);
            volume.write(5 * BLOCK + 100, ByteBuffer.wrap(new byte[] {1, 2, 3})); // now free: no sync
            assertThat(pool.chainVolume("vol").chain().head().syncCount()).isEqualTo(syncs + 1);
            SparseFiles.copyTree(poolDirectory, image);
        }
        try (Pool pool = Pool.open(image, PoolConfig.defaults())) {
            byte[] actual = read(pool.volume("vol").orElseThrow(), 5);
            byte[] expected = b.clone();
            expected[100] = 1;
            expected[101] = 2;
            expected[102] = 3;
            assertThat(actual).isEqualTo(expected); // the page cache had it all
            // Had recovery verified the old record against the new bytes it would read zeros here.
        }
    }

    @Test
    void tornOrZeroedJournalTailIsIgnored() throws IOException {
        Path poolDirectory = directory.resolve("pool");
        byte[] a = VolumeIoTest.pattern(BLOCK, 1);
        byte[] b = VolumeIoTest.pattern(BLOCK, 2);
        byte[] c = VolumeIoTest.pattern(BLOCK, 3);
        Path image = directory.resolve("image");
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults())) {
            Volume volume = pool.create("vol", VOLUME_BYTES);
            volume.write(0, ByteBuffer.wrap(a));
            volume.flush();
            volume.write(BLOCK, ByteBuffer.wrap(b));
            volume.flush();
            volume.write(2 * BLOCK, ByteBuffer.wrap(c));
            volume.flush();
            SparseFiles.copyTree(poolDirectory, image);
        }
        for (String damage : List.of("flip", "zero", "truncated-header")) {
            Path copy = directory.resolve("copy-" + damage);
            SparseFiles.copyTree(image, copy);
            damageLastRecord(layerFile(copy, "vol"), damage);
            try (Pool pool = Pool.open(copy, PoolConfig.defaults())) {
                Volume volume = pool.volume("vol").orElseThrow();
                assertThat(read(volume, 0)).as(damage).isEqualTo(a);
                assertThat(read(volume, 1)).as(damage).isEqualTo(b);
                assertThat(read(volume, 2)).as(damage).containsOnly(0); // its record is gone: old content
                volume.write(2 * BLOCK, ByteBuffer.wrap(c));
                volume.flush();
            }
            try (Pool pool = Pool.open(copy, PoolConfig.defaults())) {
                assertThat(read(pool.volume("vol").orElseThrow(), 2)).as(damage).isEqualTo(c);
            }
        }
    }

    @Test
    void crashBetweenCheckpointStepsKeepsEverything() throws IOException {
        // Small ring, no hole punching: stale records of older generations stay in the ring.
        LayerOptions options = LayerOptions.DEFAULTS.withJournalBytes(8 * 1024).withPunchHoles(false);
        Path poolDirectory = directory.resolve("pool");
        Map<CommitStage, Path> images = new HashMap<>();
        byte[] expected = new byte[VOLUME_BYTES];
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults(), options)) {
            Volume volume = pool.create("vol", VOLUME_BYTES);
            for (int i = 0; i < 100; i++) {
                byte[] data = VolumeIoTest.pattern(BLOCK, i);
                int block = (i * 37) % (VOLUME_BYTES / BLOCK);
                volume.write((long) block * BLOCK, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, expected, block * BLOCK, BLOCK);
                if (i >= 40) {
                    byte[] snapshot = expected.clone();
                    pool.chainVolume("vol").observeCommits(stage -> {
                        if (stage != CommitStage.BATCH_WRITTEN && stage != CommitStage.SYNCED && !images.containsKey(stage)) {
                            Path copy = directory.resolve("image-" + stage);
                            SparseFiles.copyTree(poolDirectory, copy);
                            Files.write(copy.resolve("expected"), snapshot);
                            images.put(stage, copy);
                        }
                    });
                }
                volume.flush();
            }
        }
        assertThat(images).containsKeys(CommitStage.CHECKPOINT_ENCODED, CommitStage.CHECKPOINT_WRITTEN, CommitStage.RING_RESTARTED);
        for (Map.Entry<CommitStage, Path> image : images.entrySet()) {
            byte[] want = Files.readAllBytes(image.getValue().resolve("expected"));
            Files.delete(image.getValue().resolve("expected"));
            try (Pool pool = Pool.open(image.getValue(), PoolConfig.defaults(), options)) {
                Volume volume = pool.volume("vol").orElseThrow();
                ByteBuffer all = ByteBuffer.allocate(VOLUME_BYTES);
                volume.read(0, all);
                if (image.getKey() == CommitStage.CHECKPOINT_ENCODED) {
                    // the flush in progress had not completed: its one new block may be old
                    int differing = 0;
                    for (int b = 0; b < VOLUME_BYTES / BLOCK; b++) {
                        if (!Arrays.equals(all.array(), b * BLOCK, (b + 1) * BLOCK, want, b * BLOCK, (b + 1) * BLOCK)) {
                            differing++;
                            assertThat(Arrays.copyOfRange(all.array(), b * BLOCK, (b + 1) * BLOCK)).containsOnly(0);
                        }
                    }
                    assertThat(differing).isLessThanOrEqualTo(1);
                } else {
                    assertThat(all.array()).as(image.getKey().name()).isEqualTo(want);
                }
            }
        }
    }

    // --- helpers ---

    private static byte[] read(Volume volume, long block) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(BLOCK);
        volume.read(block * BLOCK, dst);
        return dst.array();
    }

    static Path layerFile(Path poolDirectory, String volumeId) throws IOException {
        try (var files = Files.list(poolDirectory.resolve("volumes").resolve(volumeId))) {
            return files.filter(p -> p.toString().endsWith(".layer")).findFirst().orElseThrow();
        }
    }

    /** Finds the newest valid record of the checkpoint's generation and damages it. */
    private static void damageLastRecord(Path layer, String how) throws IOException {
        Path map = layer.resolveSibling(layer.getFileName().toString().replace(".layer", ".map"));
        MapCheckpoint.Header checkpoint = MapCheckpoint.read(map).header();
        try (FileChannel channel = FileChannel.open(layer, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer raw = ByteBuffer.allocate(LayerHeader.BYTES);
            channel.read(raw, 0);
            LayerHeader header = LayerHeader.decode(raw);
            JournalRing.Replay replay = JournalRing.replay(channel, header.journalOffset(), header.journalBytes(),
                    checkpoint.generation(), checkpoint.nextSequence());
            assertThat(replay.batches()).hasSizeGreaterThanOrEqualTo(2);
            long position = 0;
            List<JournalBatch> batches = replay.batches();
            for (int i = 0; i + 1 < batches.size(); i++) {
                position += JournalRecord.footprint(batches.get(i).size());
            }
            long at = header.journalOffset() + position;
            switch (how) {
                case "flip" -> {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    channel.read(one, at + JournalRecord.HEADER_BYTES + 3);
                    one.put(0, (byte) (one.get(0) ^ 0x10)).clear();
                    channel.write(one, at + JournalRecord.HEADER_BYTES + 3);
                }
                case "zero" -> channel.write(ByteBuffer.allocate(JournalRecord.ALIGN_BYTES), at);
                case "truncated-header" -> channel.write(ByteBuffer.allocate(16), at + 16);
                default -> throw new IllegalArgumentException(how);
            }
        }
    }

    /** What the test knows about the volume: current content, and per block what a crash may show. */
    private static final class Tracker {
        final byte[] content = new byte[VOLUME_BYTES];
        final int[] flushedCrc = new int[VOLUME_BYTES / BLOCK];
        final Map<Integer, Set<Integer>> sinceFlush = new HashMap<>();
        boolean inTopLevelFlush;

        Tracker() {
            int zero = crc(content, 0);
            Arrays.fill(flushedCrc, zero);
        }

        interface Change {
            void apply(byte[] content);
        }

        /** Applied before the operation runs, so images taken inside it may show it. */
        void beforeChange(long offset, int length, Change change) {
            change.apply(content);
            for (long b = offset / BLOCK; b <= (offset + length - 1) / BLOCK; b++) {
                sinceFlush.computeIfAbsent((int) b, k -> new HashSet<>()).add(crc(content, (int) b));
            }
        }

        void flushed() {
            for (int b = 0; b < flushedCrc.length; b++) {
                flushedCrc[b] = crc(content, b);
            }
            sinceFlush.clear();
        }

        Image image(Path poolDirectory, Path target, String where, boolean exact) throws IOException {
            SparseFiles.copyTree(poolDirectory, target);
            List<Set<Integer>> allowed = new ArrayList<>();
            for (int b = 0; b < flushedCrc.length; b++) {
                Set<Integer> set = new HashSet<>();
                if (exact) {
                    set.add(crc(content, b));
                } else {
                    set.add(flushedCrc[b]);
                    set.addAll(sinceFlush.getOrDefault(b, Set.of()));
                }
                allowed.add(set);
            }
            return new Image(target, where, allowed);
        }

        static int crc(byte[] content, int block) {
            CRC32C crc = new CRC32C();
            crc.update(content, block * BLOCK, BLOCK);
            return (int) crc.getValue();
        }
    }

    private record Image(Path directory, String where, List<Set<Integer>> allowed) {
        void verify() throws IOException {
            try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
                Volume volume = pool.volume("vol").orElseThrow();
                ByteBuffer all = ByteBuffer.allocate(VOLUME_BYTES);
                volume.read(0, all);
                for (int b = 0; b < allowed.size(); b++) {
                    int crc = Tracker.crc(all.array(), b);
                    assertThat(allowed.get(b)).as("block %d of the image taken at %s (%s)", b, where, directory.getFileName())
                            .contains(crc);
                }
            }
        }
    }
}
