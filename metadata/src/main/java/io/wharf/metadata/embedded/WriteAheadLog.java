package io.wharf.metadata.embedded;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The write-ahead log: a sequence of segment files {@code wal-<first revision>.log}, each a
 * header followed by frames of {@link LogRecord}s. Appends go to the last segment; a snapshot
 * rolls to a new segment, and segments wholly covered by a durable snapshot are deleted.
 *
 * <pre>
 * segment := magic "WHARFLOG" formatVersion:u32 firstRevision:u64 frame*
 * </pre>
 *
 * <p>The one rule that makes recovery decidable: a frame is appended only after the frame
 * before it is durable (one {@link #append} per {@link #force}). So only the last frame of the
 * log can be torn. Recovery reads frames in order; at the first short or checksum-failing
 * frame of the last segment it looks for any intact frame after it: if there is none, the bad
 * frame is the torn tail of a write that was never acknowledged, and it is truncated away; if
 * there is one, an acknowledged frame was damaged, and the open fails. A bad frame in any
 * earlier segment, or a frame with a good checksum that does not decode, is corruption too.
 *
 * <p>Methods are synchronized so that deleting old segments (snapshot thread) and appending
 * (commit thread) can overlap; appends, forces and rolls must be serialized by the caller.
 */
final class WriteAheadLog implements Closeable {
    static final int HEADER_BYTES = 8 + 4 + 8;
    private static final byte[] MAGIC = "WHARFLOG".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_VERSION = 1;
    private static final Pattern SEGMENT_NAME = Pattern.compile("wal-(\\d{20})\\.log");

    private final Path directory;
    private final List<Segment> segments;
    private FileChannel current;
    private long currentBytes;

    /** A segment file and the revision of its first record. */
    record Segment(long firstRevision, Path path) {}

    /**
     * The log after recovery.
     *
     * @param lastRevision    the revision of the last record replayed, or the snapshot revision
     * @param replayedRecords records handed to the replay consumer
     * @param truncatedBytes  bytes of torn tail removed from the last segment
     */
    record Opened(WriteAheadLog log, long lastRevision, int replayedRecords, long truncatedBytes) {}

    private WriteAheadLog(Path directory, List<Segment> segments, FileChannel current, long currentBytes) {
        this.directory = directory;
        this.segments = segments;
        this.current = current;
        this.currentBytes = currentBytes;
    }

    /**
     * Replays every record after {@code snapshotRevision} into {@code replay}, in order, repairs a
     * torn tail, and returns the log positioned for the next append.
     *
     * @throws WharfException {@code DATA_DIR_INVALID} if the log is corrupt beyond a torn tail
     */
    static Opened open(Path directory, long snapshotRevision, Consumer<LogRecord> replay) throws IOException {
        List<Segment> segments = listSegments(directory);
        if (!segments.isEmpty() && segments.getFirst().firstRevision() > snapshotRevision + 1) {
            throw corrupt(segments.getFirst().path(), "starts after the snapshot at revision " + snapshotRevision
                    + ": revisions in between are missing");
        }
        long applied = snapshotRevision;
        int replayed = 0;
        long truncated = 0;
        long expectedFirst = -1;
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            boolean last = i == segments.size() - 1;
            if (expectedFirst != -1 && segment.firstRevision() != expectedFirst) {
                throw corrupt(segment.path(), "starts at revision " + segment.firstRevision() + ", expected " + expectedFirst);
            }
            Scan scan = scan(segment, last, snapshotRevision, applied, replay);
            applied = scan.applied();
            replayed += scan.replayed();
            truncated += scan.truncatedBytes();
            if (scan.nextRevision() == segment.firstRevision() && !last) {
                throw corrupt(segment.path(), "is empty but is not the last segment");
            }
            expectedFirst = scan.nextRevision();
        }
        if (expectedFirst != applied + 1) {
            // No segment, or every record is covered by the snapshot: continue in a fresh segment.
            assert expectedFirst < applied + 1 : "log runs to " + expectedFirst + " past applied " + applied;
            segments.add(createSegment(directory, applied + 1));
        }
        deleteCovered(directory, segments, snapshotRevision + 1);
        Segment tail = segments.getLast();
        FileChannel channel = FileChannel.open(tail.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size();
        channel.position(size);
        return new Opened(new WriteAheadLog(directory, segments, channel, size), applied, replayed, truncated);
    }

    /** Writes one frame to the end of the current segment. Not durable until {@link #force()}. */
    synchronized void append(ByteBuffer frame) throws IOException {
        long bytes = frame.remaining();
        while (frame.hasRemaining()) {
            current.write(frame);
        }
        currentBytes += bytes;
    }

    /**
     * Makes every appended frame durable. fdatasync is enough: it also writes the file size
     * a reader needs to find the frames.
     */
    synchronized void force() throws IOException {
        current.force(false);
    }

    /** Bytes in the current segment, header included. */
    synchronized long currentSegmentBytes() {
        return currentBytes;
    }

    /**
     * Starts a new segment whose first record will be {@code nextRevision}. Every appended frame
     * must already be forced. A no-op when the current segment holds no records.
     */
    synchronized void roll(long nextRevision) throws IOException {
        if (currentBytes == HEADER_BYTES) {
            assert segments.getLast().firstRevision() == nextRevision
                    : "empty segment starts at " + segments.getLast().firstRevision() + ", next is " + nextRevision;
            return;
        }
        Segment segment = createSegment(directory, nextRevision);
        current.close();
        segments.add(segment);
        current = FileChannel.open(segment.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        current.position(HEADER_BYTES);
        currentBytes = HEADER_BYTES;
    }

    /** Deletes the segments whose records all precede {@code revision} (covered by a snapshot). */
    synchronized void deleteBefore(long revision) throws IOException {
        deleteCovered(directory, segments, revision);
    }

    synchronized List<Segment> segments() {
        return List.copyOf(segments);
    }

    @Override
    public synchronized void close() throws IOException {
        current.close();
    }

    static Path segmentPath(Path directory, long firstRevision) {
        return directory.resolve(String.format("wal-%020d.log", firstRevision));
    }

    private static List<Segment> listSegments(Path directory) throws IOException {
        List<Segment> segments = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher name = SEGMENT_NAME.matcher(file.getFileName().toString());
                if (name.matches()) {
                    segments.add(new Segment(Long.parseLong(name.group(1)), file));
                }
            }
        }
        segments.sort(Comparator.comparingLong(Segment::firstRevision));
        return segments;
    }

    private static void deleteCovered(Path directory, List<Segment> segments, long revision) throws IOException {
        boolean deleted = false;
        while (segments.size() > 1 && segments.get(1).firstRevision() <= revision) {
            Files.delete(segments.removeFirst().path());
            deleted = true;
        }
        if (deleted) {
            Directories.force(directory);
        }
    }

    private static Segment createSegment(Path directory, long firstRevision) throws IOException {
        Path path = segmentPath(directory, firstRevision);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeHeader(channel, firstRevision);
        }
        Directories.force(directory);
        return new Segment(firstRevision, path);
    }

    private static void writeHeader(FileChannel channel, long firstRevision) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putInt(FORMAT_VERSION).putLong(firstRevision).flip();
        while (header.hasRemaining()) {
            channel.write(header, header.position()); // the buffer position is the file offset
        }
        channel.force(true);
    }

    /**
     * What a segment scan found.
     *
     * @param applied      the last revision replayed so far (over all segments)
     * @param nextRevision the revision the segment's next record would have
     */
    private record Scan(long applied, long nextRevision, int replayed, long truncatedBytes) {}

    private static Scan scan(Segment segment, boolean last, long snapshotRevision, long applied,
                             Consumer<LogRecord> replay) throws IOException {
        try (FileChannel channel = FileChannel.open(segment.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (!validHeader(channel, segment.firstRevision())) {
                if (last && size <= HEADER_BYTES) {
                    // Crashed while creating the segment: it never held a record.
                    channel.truncate(0);
                    writeHeader(channel, segment.firstRevision());
                    return new Scan(applied, segment.firstRevision(), 0, size);
                }
                throw corrupt(segment.path(), "has no valid header");
            }
            InputStream stream = new BufferedInputStream(Channels.newInputStream(channel.position(HEADER_BYTES)), 1 << 16);
            DataInputStream in = new DataInputStream(stream);
            long offset = HEADER_BYTES;
            long next = segment.firstRevision();
            int replayed = 0;
            while (offset < size) {
                ByteBuffer payload = readFrame(in, size - offset);
                if (payload == null) {
                    if (!last) {
                        throw corrupt(segment.path(), "has a damaged frame at offset " + offset);
                    }
                    if (intactFrameAfter(channel, offset, size, next)) {
                        throw corrupt(segment.path(), "has a damaged frame at offset " + offset
                                + " followed by intact ones: acknowledged writes were damaged on disk");
                    }
                    channel.truncate(offset);
                    channel.force(true);
                    return new Scan(applied, next, replayed, size - offset);
                }
                long frameBytes = LogRecord.FRAME_HEADER_BYTES + payload.remaining();
                for (LogRecord record : decode(segment.path(), offset, payload)) {
                    if (record.revision() != next) {
                        throw corrupt(segment.path(), "has revision " + record.revision() + " at offset " + offset
                                + ", expected " + next);
                    }
                    if (record.revision() > snapshotRevision) {
                        if (record.revision() != applied + 1) {
                            throw corrupt(segment.path(), "has revision " + record.revision() + " but the store is at " + applied);
                        }
                        replay.accept(record);
                        applied = record.revision();
                        replayed++;
                    }
                    next++;
                }
                offset += frameBytes;
            }
            return new Scan(applied, next, replayed, 0);
        }
    }

    private static boolean validHeader(FileChannel channel, long firstRevision) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        while (header.hasRemaining()) {
            if (channel.read(header, header.position()) < 0) {
                return false;
            }
        }
        header.flip();
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        return Arrays.equals(magic, MAGIC) && header.getInt() == FORMAT_VERSION && header.getLong() == firstRevision;
    }

    /** The next frame's verified payload, or null if the frame is short or fails its checksum. */
    private static ByteBuffer readFrame(DataInputStream in, long available) throws IOException {
        if (available < LogRecord.FRAME_HEADER_BYTES) {
            return null;
        }
        int length = in.readInt();
        int checksum = in.readInt();
        if (length < LogRecord.MIN_RECORD_BYTES || length > LogRecord.MAX_PAYLOAD_BYTES
                || length > available - LogRecord.FRAME_HEADER_BYTES) {
            return null;
        }
        byte[] payload = new byte[length];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            return null;
        }
        if (LogRecord.checksum(length, payload, 0, length) != checksum) {
            return null;
        }
        return ByteBuffer.wrap(payload);
    }

    private static List<LogRecord> decode(Path file, long offset, ByteBuffer payload) {
        try {
            return LogRecord.unframe(payload);
        } catch (IllegalStateException e) {
            throw corrupt(file, "has a frame at offset " + offset + " with a valid checksum that does not decode ("
                    + e.getMessage() + "): written by a newer or broken version");
        }
    }

    /**
     * Whether an intact frame starts anywhere after the bad one at {@code badOffset}. Candidates
     * are filtered on a plausible length and first revision before the checksum is computed, so
     * this stays linear in the bytes searched.
     */
    private static boolean intactFrameAfter(FileChannel channel, long badOffset, long size, long badRevision)
            throws IOException {
        long remaining = size - badOffset;
        if (remaining > Integer.MAX_VALUE) {
            return true; // a torn write is never this large
        }
        ByteBuffer rest = ByteBuffer.allocate((int) remaining);
        while (rest.hasRemaining() && channel.read(rest, badOffset + rest.position()) >= 0) {
            // keep reading
        }
        byte[] bytes = rest.array();
        int headerAndRevision = LogRecord.FRAME_HEADER_BYTES + 8;
        for (int at = 1; at + headerAndRevision <= rest.position(); at++) {
            int length = rest.getInt(at);
            if (length < LogRecord.MIN_RECORD_BYTES || length > rest.position() - at - LogRecord.FRAME_HEADER_BYTES) {
                continue;
            }
            long revision = rest.getLong(at + LogRecord.FRAME_HEADER_BYTES);
            if (revision <= badRevision || revision > badRevision + remaining) {
                continue;
            }
            if (LogRecord.checksum(length, bytes, at + LogRecord.FRAME_HEADER_BYTES, length) == rest.getInt(at + 4)) {
                return true;
            }
        }
        return false;
    }

    static WharfException corrupt(Path file, String what) {
        return new WharfException(ErrorCode.DATA_DIR_INVALID, "metadata log " + file + " " + what,
                "the metadata directory is damaged beyond a torn last write; restore it from a backup "
                        + "or, on a single-node test setup, remove it to start empty");
    }
}
