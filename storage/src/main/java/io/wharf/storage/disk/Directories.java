package io.wharf.storage.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/** Directory operations whose durability matters: fsync of a directory, recursive removal. */
public final class Directories {
    private Directories() {}

    /** Makes creations, renames and deletions of entries in {@code directory} durable. */
    public static void fsync(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Deletes {@code root} and everything under it; a missing root is not an error. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                deleteIfPresent(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                deleteIfPresent(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteIfPresent(Path path) throws IOException {
        try {
            Files.delete(path);
        } catch (NoSuchFileException e) {
            // already gone: a previous attempt got this far
        }
    }
}
