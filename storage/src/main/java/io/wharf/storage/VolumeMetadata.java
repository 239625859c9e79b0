package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.ChecksummedText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code volume.meta} file of a volume directory, in {@link ChecksummedText} form, replaced
 * atomically on every change (create, resize; later snapshot, revert):
 *
 * <pre>
 * wharf-volume
 * formatVersion=1
 * id=&lt;volume id&gt;
 * sizeBytes=&lt;decimal&gt;
 * layers=&lt;uuid&gt;[,&lt;uuid&gt;...]      base first, the last one is the writable head
 * crc32c=&lt;hex&gt;
 * </pre>
 */
record VolumeMetadata(String id, long sizeBytes, List<UUID> layers) {
    static final String FILE = "volume.meta";
    private static final String KIND = "wharf-volume";
    private static final int FORMAT_VERSION = 1;

    VolumeMetadata {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a volume has at least one layer");
        }
    }

    VolumeMetadata withSize(long newSizeBytes) {
        return new VolumeMetadata(id, newSizeBytes, layers);
    }

    void write(Path directory) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("formatVersion", Integer.toString(FORMAT_VERSION));
        fields.put("id", id);
        fields.put("sizeBytes", Long.toString(sizeBytes));
        fields.put("layers", String.join(",", layers.stream().map(UUID::toString).toList()));
        AtomicFile.write(directory.resolve(FILE), ChecksummedText.encode(KIND, fields));
    }

    static VolumeMetadata read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        try {
            Map<String, String> fields = ChecksummedText.decode(KIND, Files.readAllBytes(file));
            if (!Integer.toString(FORMAT_VERSION).equals(fields.get("formatVersion"))) {
                throw invalid(file, "unknown format version " + fields.get("formatVersion"), null);
            }
            List<UUID> layers = new ArrayList<>();
            for (String layer : fields.getOrDefault("layers", "").split(",")) {
                layers.add(UUID.fromString(layer));
            }
            String id = fields.get("id");
            long size = Long.parseLong(fields.getOrDefault("sizeBytes", "-1"));
            if (id == null || size <= 0) {
                throw invalid(file, "id or size missing", null);
            }
            return new VolumeMetadata(id, size, layers);
        } catch (ChecksummedText.CorruptMetadataException | IllegalArgumentException e) {
            throw invalid(file, e.getMessage(), e);
        }
    }

    private static WharfException invalid(Path file, String why, Throwable cause) {
        return new WharfException(ErrorCode.DATA_DIR_INVALID, "volume metadata " + file + " is damaged: " + why,
                "the pool is damaged; restore this replica from another replica or a backup", cause);
    }
}
