package io.wharf.storage.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.core.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTest {
    @TempDir
    Path directory;

    @Test
    void punchedRangeReadsZerosAndIsAHole() throws IOException {
        assumeTrue(NativeFile.available(), "FFM calls need Linux");
        Path file = directory.resolve("f");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE); NativeFile nativeFile = NativeFile.open(file)) {
            byte[] ones = new byte[64 * 1024];
            java.util.Arrays.fill(ones, (byte) 1);
            channel.write(ByteBuffer.wrap(ones), 0);
            assertThat(nativeFile.punchHole(16 * 1024, 16 * 1024)).isTrue();
            ByteBuffer back = ByteBuffer.allocate(64 * 1024);
            channel.read(back, 0);
            for (int i = 0; i < back.capacity(); i++) {
                assertThat(back.get(i)).isEqualTo(i >= 16 * 1024 && i < 32 * 1024 ? (byte) 0 : (byte) 1);
            }
            assertThat(nativeFile.seekHole(0)).isEqualTo(16 * 1024);
            assertThat(nativeFile.seekData(16 * 1024)).isEqualTo(32 * 1024);
            assertThat(channel.size()).isEqualTo(64 * 1024); // KEEP_SIZE
            assertThat(nativeFile.seekData(64 * 1024)).isEqualTo(-1);
        }
    }

    @Test
    void withoutNativeCallsPunchesAreReportedUnsupported() throws IOException {
        try (NativeFile nativeFile = NativeFile.withoutNativeCalls(directory.resolve("x"))) {
            assertThat(nativeFile.punchHole(0, 4096)).isFalse();
        }
    }

    @Test
    void atomicFileReplacesWholeAndChecksummedTextDetectsDamage() throws Exception {
        Path target = directory.resolve("meta");
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("formatVersion", "1");
        fields.put("name", "db-data");
        AtomicFile.write(target, ChecksummedText.encode("wharf-test", fields));
        fields.put("name", "other");
        AtomicFile.write(target, ChecksummedText.encode("wharf-test", fields));
        assertThat(ChecksummedText.decode("wharf-test", Files.readAllBytes(target))).isEqualTo(fields);
        assertThat(AtomicFile.temp(target)).doesNotExist();
        byte[] bytes = Files.readAllBytes(target);
        for (int i = 0; i < bytes.length; i++) {
            byte[] damaged = bytes.clone();
            damaged[i] ^= 0x01;
            assertThatThrownBy(() -> ChecksummedText.decode("wharf-test", damaged))
                    .isInstanceOf(ChecksummedText.CorruptMetadataException.class);
        }
        assertThatThrownBy(() -> ChecksummedText.decode("wharf-other", bytes))
                .isInstanceOf(ChecksummedText.CorruptMetadataException.class);
    }

    @Test
    void noSpaceIsRecognisedAndTranslated() {
        IOException full = new IOException("No space left on device");
        assertThat(DiskErrors.isNoSpace(full)).isTrue();
        assertThat(DiskErrors.isNoSpace(new IOException("Input/output error"))).isFalse();
        assertThatThrownBy(() -> DiskErrors.rethrow("x", full))
                .isInstanceOfSatisfying(io.wharf.core.WharfException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SPACE));
        IOException other = new IOException("Input/output error");
        assertThat(DiskErrors.rethrow("x", other)).isSameAs(other);
    }
}
