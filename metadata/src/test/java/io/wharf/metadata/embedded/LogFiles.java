package io.wharf.metadata.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads the layout of the store's files, for tests that damage them on purpose. */
final class LogFiles {
    private LogFiles() {}

    static List<Path> segments(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().matches("wal-\\d{20}\\.log")).sorted().toList();
        }
    }

    static Path lastSegment(Path directory) throws IOException {
        return segments(directory).getLast();
    }

    /** The offset of every frame in a segment, each with its total size. */
    static List<long[]> frames(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<long[]> frames = new ArrayList<>();
        int offset = WriteAheadLog.HEADER_BYTES;
        while (offset + LogRecord.FRAME_HEADER_BYTES <= bytes.limit()) {
            int length = bytes.getInt(offset);
            frames.add(new long[] {offset, LogRecord.FRAME_HEADER_BYTES + length});
            offset += LogRecord.FRAME_HEADER_BYTES + length;
        }
        return frames;
    }
}
