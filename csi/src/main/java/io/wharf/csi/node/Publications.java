package io.wharf.csi.node;

import io.wharf.api.ApiJson;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The publications of this node, one JSON file each under {@code <state>/publications/}, named by
 * a hash of the target path and replaced atomically. A record is written before the bind mount
 * and removed after the unmount, so a crash in between leaves a record that NodeUnpublish (which
 * the CO retries) cleans up.
 */
final class Publications {
    private final Path directory;

    Publications(Path directory) {
        this.directory = directory;
    }

    Optional<Publication> at(Path target) {
        Path file = file(target);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ApiJson.reader().readValue(file.toFile(), Publication.class));
        } catch (IOException e) {
            throw ioError("cannot read " + file, e);
        }
    }

    List<Publication> ofVolume(String volumeId) {
        List<Publication> found = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                Publication publication = ApiJson.reader().readValue(file.toFile(), Publication.class);
                if (publication.volumeId().equals(volumeId)) {
                    found.add(publication);
                }
            }
        } catch (IOException e) {
            throw ioError("cannot read " + directory, e);
        }
        return found;
    }

    void save(Publication publication) {
        Path file = file(Path.of(publication.targetPath()));
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(directory);
            Files.write(temporary, ApiJson.prettyWriter().writeValueAsBytes(publication));
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw ioError("cannot write " + file, e);
        }
    }

    void delete(Path target) {
        try {
            Files.deleteIfExists(file(target));
        } catch (IOException e) {
            throw ioError("cannot remove the record of " + target, e);
        }
    }

    private Path file(Path target) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(target.toString().getBytes(StandardCharsets.UTF_8));
            return directory.resolve(HexFormat.of().formatHex(digest).substring(0, 32) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is part of every JDK", e);
        }
    }

    private static WharfException ioError(String message, IOException e) {
        return new WharfException(ErrorCode.IO_ERROR, message + ": " + e.getMessage(),
                "check that the CSI state directory is writable", e);
    }
}
