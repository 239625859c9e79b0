package io.wharf.storage.journal;

import io.wharf.storage.disk.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The checkpoint file of a layer ({@code <layerId>.map}): the layer's whole block map as of the
 * moment the journal ring restarted with {@link Header#generation}. Replaced atomically; little-endian.
 *
 * <pre>
 * header (48 bytes):
 *   magic u64 "WHARFMAP" | format version u32 (1) | page blocks u32 (1024)
 *   layer id (2 x u64, most significant first) | generation u64 | next sequence u64
 * then, for each page holding anything but ABSENT, in ascending order:
 *   page index u64 | kind u8: 0 mixed -> 256 bytes, 4 two-bit states per byte, low bits first;
 *                             1 all DATA; 2 all ZERO
 * trailer: end marker u64 0xFFFFFFFFFFFFFFFF | CRC32C u32 of every preceding byte
 * </pre>
 */
public final class MapCheckpoint {
    public static final long MAGIC = 0x50414D4652414857L; // "WHARFMAP" little-endian
    public static final int FORMAT_VERSION = 1;
    private static final int HEADER_BYTES = 48;
    private static final long END_MARKER = -1L;
    private static final int KIND_MIXED = 0;
    private static final int KIND_ALL_DATA = 1;
    private static final int KIND_ALL_ZERO = 2;

    private MapCheckpoint() {}

    /** @param generation the generation journal records after this checkpoint carry */
    public record Header(UUID layerId, long generation, long nextSequence) {}

    /** Supplies the pages to encode, in ascending page order. */
    @FunctionalInterface
    public interface PageSource {
        void forEachPage(PageSink sink) throws IOException;
    }

    @FunctionalInterface
    public interface PageSink {
        /** {@code states} holds {@value LayerMap#PAGE_BLOCKS} states; it may be reused after the call. */
        void page(long pageIndex, byte[] states);
    }

    /** Encodes a checkpoint into memory; {@link AtomicFile#write} then makes it durable. */
    public static byte[] encode(Header header, PageSource source) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        ByteBuffer fixed = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        fixed.putLong(MAGIC).putInt(FORMAT_VERSION).putInt(LayerMap.PAGE_BLOCKS)
                .putLong(header.layerId().getMostSignificantBits()).putLong(header.layerId().getLeastSignificantBits())
                .putLong(header.generation()).putLong(header.nextSequence());
        out.write(fixed.array(), 0, HEADER_BYTES);
        ByteBuffer page = ByteBuffer.allocate(8 + 1 + LayerMap.PAGE_BLOCKS / 4).order(ByteOrder.LITTLE_ENDIAN);
        source.forEachPage((pageIndex, states) -> {
            int kind = kindOf(states);
            if (kind < 0) {
                return; // all ABSENT
            }
            page.clear();
            page.putLong(pageIndex).put((byte) kind);
            if (kind == KIND_MIXED) {
                for (int i = 0; i < LayerMap.PAGE_BLOCKS; i += 4) {
                    page.put((byte) (states[i] | states[i + 1] << 2 | states[i + 2] << 4 | states[i + 3] << 6));
                }
            }
            out.write(page.array(), 0, page.position());
        });
        ByteBuffer trailer = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        trailer.putLong(END_MARKER);
        out.write(trailer.array(), 0, 8);
        CRC32C crc = new CRC32C();
        byte[] body = out.toByteArray();
        crc.update(body);
        byte[] result = new byte[body.length + 4];
        System.arraycopy(body, 0, result, 0, body.length);
        ByteBuffer.wrap(result, body.length, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        return result;
    }

    public static void write(Path file, Header header, PageSource source) throws IOException {
        AtomicFile.write(file, encode(header, source));
    }

    /** A checkpoint as read back: header and map. */
    public record Loaded(Header header, LayerMap map) {}

    /**
     * @throws NoSuchFileException when there is no checkpoint
     * @throws CorruptCheckpointException when the file is damaged (checksum, structure)
     */
    public static Loaded read(Path file) throws IOException {
        return decode(Files.readAllBytes(file), file.toString());
    }

    public static Loaded decode(byte[] bytes, String name) throws CorruptCheckpointException {
        if (bytes.length < HEADER_BYTES + 12) {
            throw new CorruptCheckpointException(name + ": too short (" + bytes.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != in.getInt(bytes.length - 4)) {
            throw new CorruptCheckpointException(name + ": checksum mismatch");
        }
        if (in.getLong() != MAGIC || in.getInt() != FORMAT_VERSION || in.getInt() != LayerMap.PAGE_BLOCKS) {
            throw new CorruptCheckpointException(name + ": not a version " + FORMAT_VERSION + " layer map");
        }
        Header header = new Header(new UUID(in.getLong(), in.getLong()), in.getLong(), in.getLong());
        LayerMap map = new LayerMap();
        int end = bytes.length - 4;
        while (true) {
            if (in.position() + 8 > end) {
                throw new CorruptCheckpointException(name + ": truncated page list");
            }
            long pageIndex = in.getLong();
            if (pageIndex == END_MARKER) {
                break;
            }
            if (pageIndex < 0 || in.position() + 1 > end) {
                throw new CorruptCheckpointException(name + ": bad page entry");
            }
            int kind = in.get();
            byte[] states = new byte[LayerMap.PAGE_BLOCKS];
            switch (kind) {
                case KIND_ALL_DATA -> java.util.Arrays.fill(states, (byte) BlockState.DATA);
                case KIND_ALL_ZERO -> java.util.Arrays.fill(states, (byte) BlockState.ZERO);
                case KIND_MIXED -> {
                    if (in.position() + LayerMap.PAGE_BLOCKS / 4 > end) {
                        throw new CorruptCheckpointException(name + ": truncated page");
                    }
                    for (int i = 0; i < LayerMap.PAGE_BLOCKS; i += 4) {
                        int packed = in.get() & 0xFF;
                        for (int j = 0; j < 4; j++) {
                            int state = (packed >>> (2 * j)) & 3;
                            if (!BlockState.valid(state)) {
                                throw new CorruptCheckpointException(name + ": invalid block state");
                            }
                            states[i + j] = (byte) state;
                        }
                    }
                }
                default -> throw new CorruptCheckpointException(name + ": unknown page kind " + kind);
            }
            map.putPage(pageIndex, states);
        }
        if (in.position() != end) {
            throw new CorruptCheckpointException(name + ": trailing bytes");
        }
        return new Loaded(header, map);
    }

    private static int kindOf(byte[] states) {
        boolean allData = true;
        boolean allZero = true;
        boolean allAbsent = true;
        for (byte state : states) {
            allData &= state == BlockState.DATA;
            allZero &= state == BlockState.ZERO;
            allAbsent &= state == BlockState.ABSENT;
        }
        if (allAbsent) {
            return -1;
        }
        return allData ? KIND_ALL_DATA : allZero ? KIND_ALL_ZERO : KIND_MIXED;
    }

    /** The checkpoint file is damaged: corruption, not an expected condition. */
    public static final class CorruptCheckpointException extends IOException {
        private static final long serialVersionUID = 1L;

        public CorruptCheckpointException(String message) {
            super(message);
        }
    }
}
