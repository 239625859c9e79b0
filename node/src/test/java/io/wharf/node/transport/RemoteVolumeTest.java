package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A remote volume reads and writes, maps and zeroes exactly as the local volume it serves. */
class RemoteVolumeTest {
    private static final long MIB = 1 << 20;
    private static final long SEED = Long.getLong("transport.seed", System.nanoTime());

    @TempDir
    Path directory;

    /** Runs of an extent map, for comparing two maps. */
    private record Run(long lengthBytes, boolean allocated) {}

    private static List<Run> map(Volume volume, long offset, long length, int stopAfter) throws IOException {
        List<Run> runs = new ArrayList<>();
        volume.extents(offset, length, (runLength, allocated) -> {
            runs.add(new Run(runLength, allocated));
            return runs.size() < stopAfter;
        });
        return runs;
    }

    private static byte[] read(Volume volume, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        volume.read(offset, buffer);
        assertThat(buffer.hasRemaining()).as("read fills the buffer").isFalse();
        byte[] bytes = new byte[length];
        buffer.flip().get(bytes);
        return bytes;
    }

    private static void write(Volume volume, long offset, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        volume.write(offset, buffer);
        assertThat(buffer.hasRemaining()).as("write consumes the buffer").isFalse();
    }

    @Test
    void concurrentRandomReadsAndWritesMatchAModel() throws Exception {
        int threads = 6;
        long regionBytes = 4 * MIB;
        try (Replicas replicas = Replicas.start(directory)) {
            Volume local = replicas.pool.create("vol-model", threads * regionBytes);
            try (RemoteVolume remote = replicas.client.open("vol-model", 1)) {
                assertThat(remote.sizeBytes()).isEqualTo(local.sizeBytes());
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    List<Future<byte[]>> models = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        long base = t * regionBytes;
                        long seed = SEED + t;
                        models.add(pool.submit(() -> exercise(remote, base, (int) regionBytes, new Random(seed))));
                    }
                    for (int t = 0; t < threads; t++) {
                        byte[] model = models.get(t).get(2, TimeUnit.MINUTES);
                        long base = t * regionBytes;
                        assertThat(read(local, base, model.length)).as("seed %d: region %d read locally", SEED, t).isEqualTo(model);
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    /** Runs an asynchronous call and waits for its completion; throws what it completed with. */
    static void awaitAsync(java.util.function.Consumer<RemoteVolume.Done> call) throws IOException {
        java.util.concurrent.CompletableFuture<Exception> completed = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        call.accept(failure -> {
            calls.incrementAndGet();
            completed.complete(failure);
        });
        Exception failure;
        try {
            failure = completed.get(2, TimeUnit.MINUTES);
        } catch (InterruptedException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the asynchronous call did not complete", e);
        }
        assertThat(calls.get()).as("completed exactly once").isEqualTo(1);
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        assertThat(failure).isNull();
    }

    /** Random I/O on one thread's region; every read is checked against the model as it goes. */
    private static byte[] exercise(Volume volume, long base, int regionBytes, Random random) throws IOException {
        byte[] model = new byte[regionBytes];
        for (int op = 0; op < 300; op++) {
            int length = switch (random.nextInt(4)) {
                case 0 -> 1 + random.nextInt(600);
                case 1 -> 4096 * (1 + random.nextInt(8));
                case 2 -> 1 + random.nextInt(64 * 1024);
                default -> (int) MIB + random.nextInt((int) MIB); // several wire requests
            };
            int at = random.nextInt(regionBytes - length + 1);
            switch (random.nextInt(6)) {
                case 0, 1, 2 -> {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    switch (random.nextInt(3)) {
                        case 0 -> write(volume, base + at, data);
                        case 1 -> ((RemoteVolume) volume).write(base + at, ByteBuffer.wrap(data), true); // heap buffer, FUA
                        default -> {
                            ByteBuffer src = ByteBuffer.allocateDirect(length).put(data).flip();
                            awaitAsync(done -> ((RemoteVolume) volume).writeAsync(base + at, src, random.nextBoolean(), done));
                        }
                    }
                    System.arraycopy(data, 0, model, at, length);
                }
                case 3 -> {
                    if (random.nextBoolean()) {
                        volume.trim(base + at, length);
                    } else {
                        volume.writeZeroes(base + at, length, random.nextBoolean());
                    }
                    java.util.Arrays.fill(model, at, at + length, (byte) 0);
                }
                default -> {
                    byte[] expected = java.util.Arrays.copyOfRange(model, at, at + length);
                    if (random.nextBoolean()) {
                        assertThat(read(volume, base + at, length)).as("read of %d at %d", length, at).isEqualTo(expected);
                    } else {
                        ByteBuffer dst = ByteBuffer.allocateDirect(length);
                        awaitAsync(done -> ((RemoteVolume) volume).readAsync(base + at, dst, done));
                        byte[] bytes = new byte[length];
                        dst.get(bytes);
                        assertThat(bytes).as("asynchronous read of %d at %d", length, at).isEqualTo(expected);
                    }
                }
            }
            if (op % 50 == 0) {
                if (random.nextBoolean()) {
                    volume.flush();
                } else {
                    awaitAsync(((RemoteVolume) volume)::flushAsync);
                }
            }
        }
        return model;
    }

    @Test
    void flushTrimZeroesAndExtentsMatchTheLocalVolume() throws Exception {
        long size = 3L << 30; // maps span several 1 GiB requests
        try (Replicas replicas = Replicas.start(directory)) {
            Volume local = replicas.pool.create("vol-local", size);
            replicas.pool.create("vol-remote", size);
            try (RemoteVolume remote = replicas.client.open("vol-remote", 7)) {
                for (Volume volume : List.of(local, remote)) {
                    write(volume, 0, new byte[8192]);
                    write(volume, (1L << 30) - 4096, bytes(8192, 1)); // across a 1 GiB request boundary
                    write(volume, (2L << 30) + 100, bytes(5000, 2));
                    volume.trim(4096, 4096);
                    volume.writeZeroes(1L << 30, 4096, false); // zeroed, still allocated
                    volume.writeZeroes(size - 8192, 8192, true);
                    write(volume, size - 4096, bytes(4096, 3));
                    for (int block = 0; block < 10_000; block += 2) { // more runs than one reply carries
                        write(volume, (5L << 20) + block * 4096L, bytes(4096, block));
                    }
                    volume.flush();
                }
                assertThat(map(remote, 0, size, Integer.MAX_VALUE)).isEqualTo(map(local, 0, size, Integer.MAX_VALUE));
                assertThat(map(remote, 0, size, Integer.MAX_VALUE)).hasSizeGreaterThan(10_000);
                assertThat(map(remote, 4096, 12_288, 10)).isEqualTo(map(local, 4096, 12_288, 10));
                assertThat(map(remote, 100, size - 200, 3)).as("stopped early").isEqualTo(map(local, 100, size - 200, 3));
                assertThat(map(remote, (1L << 30) - 10, 20, 10)).isEqualTo(map(local, (1L << 30) - 10, 20, 10));
                assertThat(map(remote, 5, 0, 10)).isEqualTo(map(local, 5, 0, 10)).isEmpty();
                for (long offset : new long[] {0, (1L << 30) - 4096, 1L << 30, (2L << 30) + 100, size - 8192, 5L << 20}) {
                    assertThat(read(remote, offset, 8192)).as("at %d", offset).isEqualTo(read(local, offset, 8192));
                }
                assertThat(remote.allocatedBytes()).as("a remote view holds nothing here").isZero();
                assertThat(replicas.pool.volume("vol-remote").orElseThrow().allocatedBytes()).isEqualTo(local.allocatedBytes());
            }
        }
    }

    @Test
    void emptyRequestsAreAnsweredLikeALocalVolume() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            replicas.pool.create("vol-empty", MIB);
            try (RemoteVolume remote = replicas.client.open("vol-empty", 1)) {
                remote.read(MIB, ByteBuffer.allocate(0));
                remote.write(0, ByteBuffer.allocate(0));
                remote.trim(MIB, 0);
                remote.writeZeroes(0, 0, true);
                assertThat(read(remote, MIB - 10, 10)).containsOnly(0);
            }
        }
    }

    @Test
    void unknownVolumeGivesVolumeNotFound() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            assertThatThrownBy(() -> replicas.client.open("no-such-volume", 1))
                    .isInstanceOfSatisfying(WharfException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VOLUME_NOT_FOUND))
                    .hasMessageContaining("no-such-volume").hasMessageContaining(replicas.client.peer());
        }
    }

    @Test
    void outOfRangeGivesInvalidArgumentFromTheClientAndFromTheServer() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            Volume local = replicas.pool.create("vol-range", MIB);
            try (RemoteVolume remote = replicas.client.open("vol-range", 1)) {
                for (Volume volume : List.of(local, remote)) {
                    assertThatThrownBy(() -> volume.read(MIB - 10, ByteBuffer.allocate(11))).isInstanceOf(IllegalArgumentException.class);
                    assertThatThrownBy(() -> volume.write(-1, ByteBuffer.allocate(1))).isInstanceOf(IllegalArgumentException.class);
                    assertThatThrownBy(() -> volume.trim(0, MIB + 1)).isInstanceOf(IllegalArgumentException.class);
                    assertThatThrownBy(() -> volume.extents(MIB, 1, (l, a) -> true)).isInstanceOf(IllegalArgumentException.class);
                }
                assertThatThrownBy(() -> remote.read(MIB, ByteBuffer.allocate(1))).hasMessageContaining("INVALID_ARGUMENT");
                assertThatThrownBy(() -> awaitAsync(done -> remote.readAsync(MIB - 10, ByteBuffer.allocate(11), done)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INVALID_ARGUMENT");
                assertThatThrownBy(() -> awaitAsync(done -> remote.writeAsync(-1, ByteBuffer.allocate(1), false, done)))
                        .isInstanceOf(IllegalArgumentException.class);
                awaitAsync(done -> remote.readAsync(MIB, ByteBuffer.allocate(0), done)); // empty: completes at once
            }
            // the server checks too, whatever the client believes about the size
            try (RawPeer peer = RawPeer.greeted(replicas.server.port(), Replicas.CLUSTER)) {
                peer.send(new io.wharf.replication.wire.Message.Open(2, "vol-range", 1));
                var opened = (io.wharf.replication.wire.Message.Opened) peer.receive();
                peer.send(new io.wharf.replication.wire.Message.Read(3, opened.volumeHandle(), 1, MIB - 4096, 8192));
                var reply = (io.wharf.replication.wire.Message.Reply) peer.receive();
                assertThat(reply.status()).isEqualTo(io.wharf.replication.wire.Status.INVALID_ARGUMENT);
                assertThat(reply.error().code()).isEqualTo("INVALID_ARGUMENT");
                assertThat(reply.error().message()).contains("outside volume vol-range");
                peer.send(new io.wharf.replication.wire.Message.Flush(4, opened.volumeHandle() + 1, 1));
                var unknown = (io.wharf.replication.wire.Message.Reply) peer.receive();
                assertThat(unknown.status()).isEqualTo(io.wharf.replication.wire.Status.UNKNOWN_HANDLE);
                assertThat(unknown.requestId()).isEqualTo(4);
            }
        }
    }

    @Test
    void resizeIsRefusedWithAHintAndOpenSeesTheNewSize() throws Exception {
        try (Replicas replicas = Replicas.start(directory, 1)) {
            Volume local = replicas.pool.create("vol-grow", MIB);
            try (RemoteVolume remote = replicas.client.open("vol-grow", 1)) {
                assertThatThrownBy(() -> remote.resize(2 * MIB)).isInstanceOfSatisfying(WharfException.class,
                        e -> assertThat(e.hint()).contains("node that holds its data"));
                local.resize(2 * MIB);
                assertThat(replicas.client.open("vol-grow", 2).sizeBytes()).isEqualTo(2 * MIB);
            }
        }
    }

    /**
     * A snapshot opens read-only as {@code VOLUME@SNAPSHOT}: its bytes, its size, and extents that are the
     * blocks it holds, or with {@code ^BASE} the blocks changed since that snapshot. Writes are refused,
     * and a snapshot or base that is not there is refused at the open with a clear error.
     */
    @Test
    void aSnapshotOpensReadOnlyWithTheBlocksChangedSinceABase() throws Exception {
        try (Replicas replicas = Replicas.start(directory, 1)) {
            Volume local = replicas.pool.create("vol-snap", 4 * MIB);
            byte[] first = bytes((int) MIB, 1);
            write(local, 0, first);
            replicas.pool.snapshot("vol-snap", "s1");
            byte[] second = bytes((int) MIB, 2);
            write(local, 2 * MIB, second);
            local.resize(6 * MIB);
            replicas.pool.snapshot("vol-snap", "s2");
            write(local, 0, bytes((int) MIB, 3)); // after both snapshots

            try (RemoteVolume s1 = replicas.client.open("vol-snap@s1", 0);
                 RemoteVolume changes = replicas.client.open("vol-snap@s2^s1", 0)) {
                assertThat(s1.sizeBytes()).isEqualTo(4 * MIB);
                assertThat(read(s1, 0, (int) MIB)).isEqualTo(first);
                assertThat(map(s1, 0, 4 * MIB, 10)).containsExactly(new Run(MIB, true), new Run(3 * MIB, false));
                assertThat(changes.sizeBytes()).isEqualTo(6 * MIB);
                assertThat(map(changes, 0, 6 * MIB, 10)).as("only what s2 changed since s1")
                        .containsExactly(new Run(2 * MIB, false), new Run(MIB, true), new Run(3 * MIB, false));
                assertThat(read(changes, 0, (int) MIB)).as("s2's bytes, not the volume's now").isEqualTo(first);
                assertThatThrownBy(() -> write(s1, 0, new byte[4096])).hasMessageContaining("is read-only; write is not allowed");
            }
            assertThatThrownBy(() -> replicas.client.open("vol-snap@nope", 0)).hasMessageContaining("nope");
            assertThatThrownBy(() -> replicas.client.open("vol-snap@s1^s2", 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not an earlier snapshot");
            assertThatThrownBy(() -> replicas.client.open("vol-none@s1", 0)).isInstanceOfSatisfying(WharfException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.VOLUME_NOT_FOUND));
        }
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
