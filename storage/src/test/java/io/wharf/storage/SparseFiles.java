package io.wharf.storage;

import io.wharf.storage.disk.NativeFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Test helpers for sparse files: how many bytes hold data, and copies that keep holes (copying
 * the 64 MiB metadata region of every layer file densely would make crash-image tests slow).
 */
final class SparseFiles {
    private SparseFiles() {}

    /** Bytes of {@code file} that are not holes, per SEEK_DATA/SEEK_HOLE. */
    static long dataBytes(Path file) throws IOException {
        return dataBytes(file, 0);
    }

    /** Bytes from {@code from} on that are not holes. */
    static long dataBytes(Path file, long from) throws IOException {
        long total = 0;
        try (NativeFile nativeFile = NativeFile.open(file)) {
            long offset = nativeFile.seekData(from);
            while (offset >= 0) {
                long hole = nativeFile.seekHole(offset);
                total += hole - offset;
                offset = nativeFile.seekData(hole);
            }
        }
        return total;
    }

    /**
     * Copies a directory tree as the disk holds it at this moment; the caller guarantees that
     * nothing writes meanwhile, so the copy is what a process crash would leave.
     */
    static void copyTree(Path from, Path to) throws IOException {
        List<Path> paths;
        try (var walk = Files.walk(from)) {
            paths = walk.toList();
        }
        for (Path source : paths) {
            Path target = to.resolve(from.relativize(source).toString());
            if (Files.isDirectory(source)) {
                Files.createDirectories(target);
            } else {
                copySparse(source, target);
            }
        }
    }

    static void copySparse(Path source, Path target) throws IOException {
        if (!NativeFile.available()) {
            Files.copy(source, target);
            return;
        }
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             NativeFile nativeFile = NativeFile.open(source)) {
            long offset = nativeFile.seekData(0);
            while (offset >= 0) {
                long hole = nativeFile.seekHole(offset);
                long position = offset;
                while (position < hole) {
                    position += in.transferTo(position, hole - position, out.position(position));
                }
                offset = nativeFile.seekData(hole);
            }
            out.truncate(in.size());
            if (out.size() < in.size()) {
                out.position(in.size() - 1).write(java.nio.ByteBuffer.allocate(1));
            }
        }
    }
}
