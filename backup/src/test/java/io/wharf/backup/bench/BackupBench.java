package io.wharf.backup.bench;

import io.wharf.backup.BackupConfig;
import io.wharf.backup.BackupEngine;
import io.wharf.backup.BackupInfo;
import io.wharf.backup.BackupRequest;
import io.wharf.backup.ByteRange;
import io.wharf.backup.FileVolume;
import io.wharf.backup.VolumeSource;
import io.wharf.backup.crypto.EncryptionSecret;
import io.wharf.backup.target.DirectoryTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Backup engine throughput against {@code tar --sparse | zstd -1} of the same file. Not a JUnit test;
 * run it with {@code bench/backup.sh}.
 *
 * <p>The image: a sparse file of {@code volumeGiB} with {@code dataGiB} of random data in 16 equal
 * extents spread evenly over it (the rest holes). Steps, each timed: a full backup into a directory
 * target; a restore into a new sparse file (then compared with the image, untimed); {@code
 * changePercent} of the volume overwritten with random data in extents of {@code changeKiB} at
 * random 4 KiB-aligned offsets; an incremental backup given exactly those ranges; a restore of it
 * (compared). The baseline, on the same image: {@code tar --sparse -cf - image | zstd -1} into a
 * file, and {@code zstd -d | tar -x} back; tar has no block-level incremental, so its "incremental"
 * after the change is another full archive.
 *
 * <p>Arguments {@code key=value}: {@code dir} (required, an empty or missing directory),
 * {@code volumeGiB} (4), {@code dataGiB} (1), {@code changePercent} (5), {@code changeKiB} (1024),
 * {@code chunkMiB} (4), {@code concurrency} (4), {@code encrypt} (false), {@code seed} (1).
 */
public final class BackupBench {
    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;

    private BackupBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("argument " + arg + " is not key=value");
            }
            options.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        Path dir = Path.of(required(options, "dir"));
        long volumeBytes = (long) (Double.parseDouble(options.getOrDefault("volumeGiB", "4")) * GIB);
        long dataBytes = (long) (Double.parseDouble(options.getOrDefault("dataGiB", "1")) * GIB);
        double changePercent = Double.parseDouble(options.getOrDefault("changePercent", "5"));
        int changeBytes = Integer.parseInt(options.getOrDefault("changeKiB", "1024")) * 1024;
        int chunkBytes = Integer.parseInt(options.getOrDefault("chunkMiB", "4")) * (int) MIB;
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "4"));
        boolean encrypt = Boolean.parseBoolean(options.getOrDefault("encrypt", "false"));
        long seed = Long.parseLong(options.getOrDefault("seed", "1"));
        Files.createDirectories(dir);
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException(dir + " is not empty");
            }
        }
        Path image = dir.resolve("image.raw");
        Path targetDir = Files.createDirectory(dir.resolve("target"));
        System.out.printf(Locale.ROOT, "image %.1f GiB sparse, %.2f GiB random data; chunk %d MiB, %d concurrent requests, zstd level 1%s%n",
                volumeBytes / (double) GIB, dataBytes / (double) GIB, chunkBytes / MIB, concurrency, encrypt ? ", AES-256-GCM" : "");
        writeImage(image, volumeBytes, dataBytes, seed);
        List<String[]> rows = new ArrayList<>();
        baseline(dir, image, volumeBytes, dataBytes, rows);

        BackupConfig config = BackupConfig.defaults().withChunkSize(chunkBytes).withConcurrency(concurrency);
        EncryptionSecret secret = encrypt ? EncryptionSecret.passphrase("benchmark passphrase") : null;
        try (BackupEngine engine = BackupEngine.open(new DirectoryTarget(targetDir), config, secret)) {
            BackupInfo full;
            long start = System.nanoTime();
            try (FileVolume source = FileVolume.openForReading(image)) {
                full = engine.create(BackupRequest.of("bench", source), null);
            }
            rows.add(row("wharf full backup", System.nanoTime() - start, volumeBytes, dataBytes, full.uploadedBytes()));
            rows.add(restore(engine, full, dir.resolve("restored-full.raw"), image, volumeBytes, dataBytes));

            List<ByteRange> changed = change(image, volumeBytes, changePercent, changeBytes, seed + 1);
            long changedBytes = changed.stream().mapToLong(ByteRange::length).sum();
            BackupInfo incremental;
            start = System.nanoTime();
            try (FileVolume file = FileVolume.openForReading(image)) {
                incremental = engine.create(BackupRequest.of("bench", new Tracked(file, changed)), null);
            }
            rows.add(row("wharf incremental (" + fmt(changePercent) + "% changed)", System.nanoTime() - start, volumeBytes, changedBytes,
                    incremental.uploadedBytes()));
            System.out.printf(Locale.ROOT, "incremental: %d ranges, %.1f MiB changed, %.1f MiB read, %.1f MiB new, %.1f MiB uploaded (%d chunks)%n",
                    changed.size(), changedBytes / (double) MIB, incremental.scannedBytes() / (double) MIB,
                    incremental.newBytes() / (double) MIB, incremental.uploadedBytes() / (double) MIB, incremental.uploadedChunks());
            rows.add(restore(engine, incremental, dir.resolve("restored-incremental.raw"), image, volumeBytes, dataBytes + changedBytes));
        }
        System.out.println("(tar has no block-level incremental: after the change it archives the whole file again)");
        System.out.println();
        System.out.printf(Locale.ROOT, "%-36s %9s %16s %16s %14s%n", "step", "seconds", "volume MiB/s", "data MiB/s", "stored MiB");
        for (String[] row : rows) {
            System.out.printf(Locale.ROOT, "%-36s %9s %16s %16s %14s%n", (Object[]) row);
        }
    }

    /** A file whose changes since the base are known. */
    private record Tracked(FileVolume file, List<ByteRange> changed) implements VolumeSource {
        @Override
        public long sizeBytes() {
            return file.sizeBytes();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            file.read(offset, dst);
        }

        @Override
        public Optional<List<ByteRange>> changedSince(BackupInfo base) {
            return Optional.of(changed);
        }
    }

    private static String[] restore(BackupEngine engine, BackupInfo info, Path into, Path image, long volumeBytes, long dataBytes)
            throws IOException {
        long start = System.nanoTime();
        try (FileVolume destination = FileVolume.create(into, info.sizeBytes())) {
            engine.restore(info.backupId(), destination, null);
        }
        long elapsed = System.nanoTime() - start;
        compare(image, into);
        Files.delete(into);
        return row("wharf restore (" + (info.full() ? "full" : "incremental") + ")", elapsed, volumeBytes, dataBytes, -1);
    }

    private static void baseline(Path dir, Path image, long volumeBytes, long dataBytes, List<String[]> rows) throws Exception {
        Path archive = dir.resolve("image.tar.zst");
        long elapsed = shell(dir, "tar --sparse -cf - image.raw | zstd -1 -q -c > image.tar.zst");
        rows.add(row("tar --sparse | zstd -1", elapsed, volumeBytes, dataBytes, Files.size(archive)));
        Path out = Files.createDirectory(dir.resolve("untar"));
        elapsed = shell(dir, "zstd -d -q -c image.tar.zst | tar -xf - -C untar");
        compare(image, out.resolve("image.raw"));
        rows.add(row("zstd -d | tar -x", elapsed, volumeBytes, dataBytes, -1));
        Files.delete(out.resolve("image.raw"));
        Files.delete(archive);
        elapsed = shell(dir, "tar --sparse -cf - image.raw | zstd -1 -T0 -q -c > image.tar.zst");
        rows.add(row("tar --sparse | zstd -1 -T0", elapsed, volumeBytes, dataBytes, Files.size(archive)));
        Files.delete(archive);
    }

    private static long shell(Path dir, String command) throws Exception {
        long start = System.nanoTime();
        Process process = new ProcessBuilder("bash", "-o", "pipefail", "-c", command).directory(dir.toFile()).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("'" + command + "' failed with exit code " + process.exitValue());
        }
        return System.nanoTime() - start;
    }

    private static void writeImage(Path image, long volumeBytes, long dataBytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        int extents = 16;
        long extentBytes = dataBytes / extents;
        long stride = volumeBytes / extents;
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) (4 * MIB));
        byte[] bytes = new byte[(int) (4 * MIB)];
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(1), volumeBytes - 1);
            for (int extent = 0; extent < extents; extent++) {
                for (long done = 0; done < extentBytes; done += bytes.length) {
                    random.nextBytes(bytes);
                    buffer.clear().put(bytes, 0, (int) Math.min(bytes.length, extentBytes - done)).flip();
                    long position = extent * stride + done;
                    while (buffer.hasRemaining()) {
                        position += channel.write(buffer, position);
                    }
                }
            }
            channel.force(true);
        }
    }

    private static List<ByteRange> change(Path image, long volumeBytes, double percent, int extentBytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long count = (long) (volumeBytes * percent / 100 / extentBytes);
        byte[] bytes = new byte[extentBytes];
        List<ByteRange> ranges = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            for (long i = 0; i < count; i++) {
                long offset = random.nextLong((volumeBytes - extentBytes) / 4096) * 4096;
                random.nextBytes(bytes);
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                long position = offset;
                while (buffer.hasRemaining()) {
                    position += channel.write(buffer, position);
                }
                ranges.add(new ByteRange(offset, extentBytes));
            }
            channel.force(true);
        }
        return ranges;
    }

    private static void compare(Path expected, Path actual) throws IOException {
        try (FileChannel a = FileChannel.open(expected); FileChannel b = FileChannel.open(actual)) {
            if (a.size() != b.size()) {
                throw new IllegalStateException(actual + " has " + b.size() + " bytes, expected " + a.size());
            }
            ByteBuffer x = ByteBuffer.allocateDirect((int) (4 * MIB));
            ByteBuffer y = ByteBuffer.allocateDirect((int) (4 * MIB));
            for (long position = 0; position < a.size(); position += x.capacity()) {
                x.clear();
                y.clear();
                while (x.hasRemaining() && a.read(x, position + x.position()) > 0) { }
                while (y.hasRemaining() && b.read(y, position + y.position()) > 0) { }
                if (!x.flip().equals(y.flip())) {
                    throw new IllegalStateException(actual + " differs from " + expected + " near offset " + position);
                }
            }
        }
    }

    private static String[] row(String step, long nanos, long volumeBytes, long dataBytes, long storedBytes) {
        double seconds = nanos / 1e9;
        return new String[] {step, fmt(seconds), fmt(volumeBytes / (double) MIB / seconds), fmt(dataBytes / (double) MIB / seconds),
                storedBytes < 0 ? "" : fmt(storedBytes / (double) MIB)};
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.2f", value);
    }

    private static String required(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key + "=...");
        }
        return value;
    }
}
