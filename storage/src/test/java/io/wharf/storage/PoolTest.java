package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path directory;

    @Test
    void createsListsDeletesAndReopens() throws IOException {
        try (Pool pool = Pool.open(directory.resolve("pool"), PoolConfig.defaults())) {
            pool.create("b-2", 8 * MIB).write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            pool.create("a-1", 4 * MIB);
            pool.create("c", 16 * MIB);
            assertThat(pool.volumeIds()).containsExactly("a-1", "b-2", "c");
            pool.delete("c");
            assertThat(pool.volumeIds()).containsExactly("a-1", "b-2");
            assertThat(pool.volume("c")).isEmpty();
            assertThat(pool.usage().provisionedBytes()).isEqualTo(12 * MIB);
            assertThat(pool.usage().usedBytes()).isEqualTo(4096);
        }
        try (Pool pool = Pool.open(directory.resolve("pool"), PoolConfig.defaults())) {
            assertThat(pool.volumeIds()).containsExactly("a-1", "b-2");
            ByteBuffer dst = ByteBuffer.allocate(3);
            pool.volume("b-2").orElseThrow().read(0, dst);
            assertThat(dst.array()).containsExactly(1, 2, 3);
            assertThat(Files.list(pool.directory().resolve("trash")).count()).isZero();
            pool.create("c", MIB); // the id is free again
        }
    }

    @Test
    void refusesDuplicateUnknownAndInvalidVolumes() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            pool.create("v", MIB);
            expectCode(() -> pool.create("v", MIB), ErrorCode.VOLUME_EXISTS);
            expectCode(() -> pool.delete("nope"), ErrorCode.VOLUME_NOT_FOUND);
            for (String id : new String[] {"", "Upper", "a_b", "a.b", "../x", "a/b", "x".repeat(129)}) {
                expectCode(() -> pool.create(id, MIB), ErrorCode.INVALID_NAME);
            }
            expectCode(() -> pool.create("zero", 0), ErrorCode.INVALID_SIZE);
            expectCode(() -> pool.create("negative", -1), ErrorCode.INVALID_SIZE);
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefusedUntilClosed() throws IOException {
        Pool first = Pool.open(directory, PoolConfig.defaults());
        try {
            first.create("v", MIB);
            expectCode(() -> Pool.open(directory, PoolConfig.defaults()), ErrorCode.DATA_DIR_LOCKED);
            expectCode(() -> Pool.open(directory.resolve(".").resolve("volumes").resolve(".."), PoolConfig.defaults()),
                    ErrorCode.DATA_DIR_LOCKED);
            first.volume("v").orElseThrow().write(0, ByteBuffer.wrap(new byte[] {5})); // the refusal broke nothing
        } finally {
            first.close();
        }
        try (Pool again = Pool.open(directory, PoolConfig.defaults())) {
            assertThat(again.volumeIds()).containsExactly("v");
        }
    }

    @Test
    void refusesADirectoryThatIsNotAPool() throws IOException {
        Files.writeString(directory.resolve("notes.txt"), "hello");
        expectCode(() -> Pool.open(directory, PoolConfig.defaults()), ErrorCode.DATA_DIR_INVALID);
        // and stays unlocked for the next attempt
        Files.delete(directory.resolve("notes.txt"));
        Pool.open(directory, PoolConfig.defaults()).close();
    }

    @Test
    void damagedMetadataIsReportedNotGuessed() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            pool.create("v", MIB);
        }
        Path meta = directory.resolve("volumes/v/volume.meta");
        byte[] bytes = Files.readAllBytes(meta);
        bytes[bytes.length / 2] ^= 1;
        Files.write(meta, bytes);
        expectCode(() -> Pool.open(directory, PoolConfig.defaults()), ErrorCode.DATA_DIR_INVALID);
    }

    @Test
    void crashMidCreateLeavesNoVolume() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            pool.create("kept", MIB);
        }
        // What a crash before the rename leaves: a complete or partial volume under staging/.
        ChainVolume.createFiles(directory.resolve("staging/half"), "half", MIB, LayerOptions.DEFAULTS);
        Files.createDirectories(directory.resolve("staging/partial"));
        Files.write(directory.resolve("staging/partial/garbage.layer"), new byte[100]);
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            assertThat(pool.volumeIds()).containsExactly("kept");
            assertThat(Files.list(directory.resolve("staging")).count()).isZero();
            pool.create("half", MIB); // the id is usable
        }
    }

    @Test
    void crashMidDeleteFinishesTheDelete() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            pool.create("gone", MIB).write(0, ByteBuffer.wrap(new byte[] {1}));
            pool.create("kept", MIB).write(0, ByteBuffer.wrap(new byte[] {2}));
        }
        // What a crash after the rename into trash/ leaves (the data not yet removed).
        Files.move(directory.resolve("volumes/gone"), directory.resolve("trash/gone.0123"));
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            assertThat(pool.volumeIds()).containsExactly("kept");
            assertThat(Files.list(directory.resolve("trash")).count()).isZero();
            ByteBuffer dst = ByteBuffer.allocate(1);
            pool.volume("kept").orElseThrow().read(0, dst);
            assertThat(dst.get(0)).isEqualTo((byte) 2);
        }
    }

    @Test
    void crashMidMetadataReplaceKeepsTheOldVersion() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            pool.create("v", MIB);
        }
        Files.write(directory.resolve("volumes/v/volume.meta.tmp"), new byte[] {1, 2, 3}); // a half-written resize
        Files.write(directory.resolve("pool.meta.tmp"), new byte[] {1});
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            assertThat(pool.volume("v").orElseThrow().sizeBytes()).isEqualTo(MIB);
            assertThat(directory.resolve("volumes/v/volume.meta.tmp")).doesNotExist();
            assertThat(directory.resolve("pool.meta.tmp")).doesNotExist();
        }
    }

    @Test
    void usageReportsConfiguredOrFilesystemCapacity() throws IOException {
        try (Pool pool = Pool.open(directory.resolve("a"), new PoolConfig(100 * MIB, 0, 2.0))) {
            pool.create("v", 150 * MIB).write(0, ByteBuffer.allocate(8192));
            PoolUsage usage = pool.usage();
            assertThat(usage).isEqualTo(new PoolUsage(100 * MIB, 8192, 150 * MIB));
            assertThat(usage.canProvision(50 * MIB, pool.config().overcommitRatio())).isTrue();
            assertThat(usage.canProvision(51 * MIB, pool.config().overcommitRatio())).isFalse();
        }
        long total = Files.getFileStore(directory).getTotalSpace();
        try (Pool pool = Pool.open(directory.resolve("b"), new PoolConfig(0, 10 * MIB, 1.0))) {
            assertThat(pool.usage().capacityBytes()).isEqualTo(total - 10 * MIB);
        }
    }

    @Test
    void volumesOfAClosedPoolFailInsteadOfWritingToClosedFiles() throws IOException {
        Pool pool = Pool.open(directory, PoolConfig.defaults());
        Volume volume = pool.create("v", MIB);
        pool.close();
        assertThatThrownBy(() -> volume.write(0, ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
        assertThatThrownBy(volume::flush).isInstanceOf(IOException.class);
        pool.close(); // idempotent
    }

    @Test
    void deletedVolumeObjectFails() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v", MIB);
            pool.delete("v");
            assertThatThrownBy(() -> volume.read(0, ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
            assertThat(directory.resolve("volumes/v")).doesNotExist();
        }
    }

    static void expectCode(ThrowingCallable call, ErrorCode code) {
        Consumer<WharfException> hasCode = e -> assertThat(e.code()).isEqualTo(code);
        assertThatThrownBy(call).isInstanceOfSatisfying(WharfException.class, hasCode);
    }
}
