package io.wharf.metadata.embedded;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.KeyValue;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The key space at one revision, in {@code snapshot.bin}. Written whole to
 * {@code snapshot.bin.tmp}, forced, renamed over the old one and the directory forced, so the
 * file is always either the old snapshot or the new one, never a mix.
 *
 * <pre>
 * snapshot := magic "WHARFSNP" formatVersion:u32 revision:u64 count:u64 entry*count crc:u32
 * entry    := keyLength:u32 key valueLength:u32 value createRevision:u64 modRevision:u64
 *             version:u64 leaseId:u64
 * </pre>
 * The CRC32C covers every byte before it; entries are in key order.
 */
final class SnapshotFile {
    static final String NAME = "snapshot.bin";
    static final String TEMP_NAME = "snapshot.bin.tmp";
    private static final byte[] MAGIC = "WHARFSNP".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_VERSION = 1;
    private static final int MIN_ENTRY_BYTES = 4 + 4 + 8 * 4;

    /** A snapshot as read back. */
    record Contents(long revision, List<KeyValue> entries) {}

    private SnapshotFile() {}

    static void write(Path directory, long revision, Collection<KeyValue> entries) throws IOException {
        Path temp = directory.resolve(TEMP_NAME);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            BufferedOutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            CheckedOutputStream checked = new CheckedOutputStream(buffered, new CRC32C());
            DataOutputStream out = new DataOutputStream(checked);
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeLong(revision);
            out.writeLong(entries.size());
            for (KeyValue kv : entries) {
                writeBytes(out, kv.key());
                writeBytes(out, kv.value());
                out.writeLong(kv.createRevision());
                out.writeLong(kv.modRevision());
                out.writeLong(kv.version());
                out.writeLong(kv.leaseId());
            }
            out.flush();
            new DataOutputStream(buffered).writeInt((int) checked.getChecksum().getValue());
            buffered.flush();
            channel.force(true);
        }
        Files.move(temp, directory.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Directories.force(directory);
    }

    /** The snapshot, if one was ever written. */
    static Optional<Contents> read(Path directory) throws IOException {
        Path file = directory.resolve(NAME);
        long size;
        InputStream raw;
        try {
            size = Files.size(file);
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try (BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16)) {
            CheckedInputStream checked = new CheckedInputStream(buffered, new CRC32C());
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            int format = in.readInt();
            if (!Arrays.equals(magic, MAGIC) || format != FORMAT_VERSION) {
                throw corrupt(file, "has an unknown header (format " + format + ")");
            }
            long revision = in.readLong();
            long count = in.readLong();
            if (revision < 0 || count < 0 || count > size / MIN_ENTRY_BYTES) {
                throw corrupt(file, "claims revision " + revision + " and " + count + " entries");
            }
            List<KeyValue> entries = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                entries.add(new KeyValue(readBytes(in, size), readBytes(in, size),
                        in.readLong(), in.readLong(), in.readLong(), in.readLong()));
            }
            int computed = (int) checked.getChecksum().getValue();
            int stored = new DataInputStream(buffered).readInt();
            if (computed != stored || buffered.read() != -1) {
                throw corrupt(file, "fails its checksum");
            }
            return Optional.of(new Contents(revision, entries));
        } catch (EOFException e) {
            throw corrupt(file, "is truncated");
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "holds an impossible entry: " + e.getMessage());
        }
    }

    static void deleteTemp(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(TEMP_NAME));
    }

    private static void writeBytes(DataOutputStream out, Bytes bytes) throws IOException {
        out.writeInt(bytes.length());
        out.write(bytes.toByteArray());
    }

    private static Bytes readBytes(DataInputStream in, long fileSize) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > fileSize) {
            throw new IllegalArgumentException("byte string length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return Bytes.of(bytes);
    }

    private static WharfException corrupt(Path file, String what) {
        return new WharfException(ErrorCode.DATA_DIR_INVALID, "metadata snapshot " + file + " " + what,
                "snapshots are replaced atomically, so this is disk corruption; restore the metadata directory from a backup");
    }
}
