package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes, trims, snapshots, snapshot deletions, reverts, clones, volume deletions and pool reopens
 * interleaved at random over several volumes, checked against an in-memory model of every volume's
 * and every snapshot's content. A failure names the seed; rerun with {@code -Dwharf.seed=<seed>}.
 */
class SnapshotModelTest {
    private static final int BLOCK = 4096;
    private static final int SIZE = 64 * BLOCK;

    @TempDir
    Path directory;

    @Test
    void randomTreeOperationsMatchTheModel() throws IOException {
        String fixed = System.getProperty("wharf.seed");
        long[] seeds = fixed != null ? new long[] {Long.parseLong(fixed)} : new long[] {11, 12, 13, System.nanoTime()};
        for (long seed : seeds) {
            System.out.println("SnapshotModelTest seed " + seed);
            List<String> history = new ArrayList<>();
            try {
                run(seed, directory.resolve("pool-" + seed), history);
            } catch (AssertionError | IOException | RuntimeException e) {
                int from = Math.max(0, history.size() - 30);
                throw new AssertionError("snapshot model test failed with seed " + seed + " (rerun with -Dwharf.seed="
                        + seed + "); last operations: " + history.subList(from, history.size()), e);
            }
        }
    }

    private void run(long seed, Path poolDirectory, List<String> history) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        LayerOptions options = LayerOptions.DEFAULTS.withJournalBytes(8 * 1024).withPunchHoles(random.nextBoolean());
        TreeMap<String, byte[]> volumes = new TreeMap<>();
        TreeMap<String, TreeMap<String, byte[]>> snapshots = new TreeMap<>();
        Pool pool = Pool.open(poolDirectory, PoolConfig.defaults(), options);
        try {
            pool.create("v0", SIZE);
            volumes.put("v0", new byte[SIZE]);
            snapshots.put("v0", new TreeMap<>());
            int names = 0;
            for (int step = 0; step < 300; step++) {
                String volumeId = pick(random, new ArrayList<>(volumes.keySet()));
                Volume volume = pool.volume(volumeId).orElseThrow();
                byte[] image = volumes.get(volumeId);
                TreeMap<String, byte[]> ofVolume = snapshots.get(volumeId);
                int kind = random.nextInt(100);
                if (kind < 35) {
                    int offset = random.nextInt(SIZE);
                    int length = 1 + random.nextInt(Math.min(SIZE - offset, 6 * BLOCK));
                    byte[] data = VolumeIoTest.pattern(length, random.nextInt());
                    history.add("write " + volumeId + " " + offset + "+" + length);
                    volume.write(offset, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, image, offset, length);
                } else if (kind < 45) {
                    int offset = random.nextInt(SIZE);
                    int length = 1 + random.nextInt(Math.min(SIZE - offset, 8 * BLOCK));
                    history.add("trim " + volumeId + " " + offset + "+" + length);
                    if (random.nextBoolean()) {
                        volume.trim(offset, length);
                    } else {
                        volume.writeZeroes(offset, length, random.nextBoolean());
                    }
                    Arrays.fill(image, offset, offset + length, (byte) 0);
                } else if (kind < 58) {
                    String name = "s" + names++;
                    history.add("snapshot " + volumeId + " " + name);
                    pool.snapshot(volumeId, name);
                    ofVolume.put(name, image.clone());
                } else if (kind < 66 && !ofVolume.isEmpty()) {
                    String name = pick(random, new ArrayList<>(ofVolume.keySet()));
                    history.add("deleteSnapshot " + volumeId + " " + name);
                    pool.deleteSnapshot(volumeId, name);
                    ofVolume.remove(name);
                } else if (kind < 73 && !ofVolume.isEmpty()) {
                    String name = pick(random, new ArrayList<>(ofVolume.keySet()));
                    history.add("revert " + volumeId + " " + name);
                    pool.revert(volumeId, name);
                    volumes.put(volumeId, ofVolume.get(name).clone());
                } else if (kind < 80 && volumes.size() < 6) {
                    String clone = "c" + names++;
                    boolean current = ofVolume.isEmpty() || random.nextBoolean();
                    String name = current ? null : pick(random, new ArrayList<>(ofVolume.keySet()));
                    history.add("clone " + volumeId + "@" + name + " -> " + clone);
                    pool.clone(volumeId, name, clone);
                    volumes.put(clone, (current ? image : ofVolume.get(name)).clone());
                    snapshots.put(clone, new TreeMap<>());
                } else if (kind < 84 && volumes.size() > 1) {
                    history.add("delete " + volumeId);
                    pool.delete(volumeId);
                    volumes.remove(volumeId);
                    snapshots.remove(volumeId);
                } else if (kind < 88) {
                    history.add("reopen");
                    pool.close();
                    pool = Pool.open(poolDirectory, PoolConfig.defaults(), options);
                } else if (kind < 93) {
                    history.add("flush " + volumeId);
                    volume.flush();
                } else {
                    history.add("verify");
                    verify(pool, volumes, snapshots);
                }
            }
            verify(pool, volumes, snapshots);
            pool.close();
            pool = Pool.open(poolDirectory, PoolConfig.defaults(), options);
            verify(pool, volumes, snapshots);
            for (String volumeId : volumes.keySet()) {
                pool.delete(volumeId);
            }
        } finally {
            pool.close();
        }
        try (var files = java.nio.file.Files.walk(poolDirectory)) {
            assertThat(files.filter(p -> p.toString().endsWith(".layer") || p.toString().endsWith(".map")))
                    .as("no layer file outlives every volume").isEmpty();
        }
    }

    private static void verify(Pool pool, TreeMap<String, byte[]> volumes, TreeMap<String, TreeMap<String, byte[]>> snapshots)
            throws IOException {
        assertThat(pool.volumeIds()).containsExactlyElementsOf(volumes.keySet());
        for (var volume : volumes.entrySet()) {
            assertThat(SnapshotTest.read(pool.volume(volume.getKey()).orElseThrow())).as("volume " + volume.getKey())
                    .isEqualTo(volume.getValue());
            TreeMap<String, byte[]> expected = snapshots.get(volume.getKey());
            assertThat(pool.snapshots(volume.getKey())).extracting(SnapshotInfo::id)
                    .containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (var snapshot : expected.entrySet()) {
                assertThat(SnapshotTest.readSnapshot(pool, volume.getKey(), snapshot.getKey()))
                        .as("snapshot " + volume.getKey() + "@" + snapshot.getKey()).isEqualTo(snapshot.getValue());
            }
        }
    }

    private static String pick(SplittableRandom random, List<String> from) {
        return from.get(random.nextInt(from.size()));
    }
}
