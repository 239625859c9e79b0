package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.ChecksummedText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The {@code volume.meta} file of a volume directory, in {@link ChecksummedText} form, replaced
 * atomically on every change (create, resize, snapshot, delete snapshot, revert, clone). It is the
 * single commit point of every operation on the volume's layer tree.
 *
 * <pre>
 * wharf-volume
 * formatVersion=2
 * id=&lt;volume id&gt;
 * sizeBytes=&lt;decimal&gt;
 * head=&lt;uuid&gt;                                  the writable head layer (always in the volume directory)
 * nextOrder=&lt;decimal&gt;                           creation order given to the next snapshot
 * layer.&lt;uuid&gt;=&lt;parent uuid|-&gt;,&lt;v|p&gt;,&lt;dataBlocks&gt;  every layer the volume needs (head included):
 *                                               v = file in the volume directory (owned),
 *                                               p = file in the pool's layers/ directory (shared, refcounted),
 *                                               dataBlocks = DATA blocks the (sealed) layer holds
 * snapshot.&lt;name&gt;=&lt;order&gt;,&lt;uuid&gt;,&lt;sizeBytes&gt;    a named snapshot: a sealed layer of the tree
 * crc32c=&lt;hex&gt;
 * </pre>
 *
 * Version 1 files ({@code layers=<uuid>[,<uuid>...]}, base first, head last) are read as a chain of
 * owned layers without snapshots and rewritten as version 2 on the next change.
 *
 * <p>Invariants (checked by {@link #validate}): the head and every snapshot layer are in the layer
 * table; every parent is in the table; parent links have no cycle; the head is owned.
 */
record VolumeMetadata(String id, long sizeBytes, UUID head, long nextOrder, Map<UUID, Layer> layerTable,
                      Map<String, Snapshot> snapshotTable) {
    static final String FILE = "volume.meta";
    private static final String KIND = "wharf-volume";
    private static final int FORMAT_VERSION = 2;

    /** One layer of the volume's tree. */
    record Layer(UUID parent, boolean shared, long dataBlocks) {}

    /** A named snapshot. */
    record Snapshot(String name, long order, UUID layer, long sizeBytes) {}

    VolumeMetadata {
        layerTable = Map.copyOf(layerTable);
        snapshotTable = Map.copyOf(snapshotTable);
    }

    /** A fresh volume: one empty owned head layer. */
    static VolumeMetadata fresh(String id, long sizeBytes, UUID head) {
        return new VolumeMetadata(id, sizeBytes, head, 1, Map.of(head, new Layer(null, false, 0)), Map.of());
    }

    VolumeMetadata withSize(long newSizeBytes) {
        return new VolumeMetadata(id, newSizeBytes, head, nextOrder, layerTable, snapshotTable);
    }

    /** Layer ids from the base to {@code layer} itself. */
    List<UUID> path(UUID layer) {
        List<UUID> path = new ArrayList<>();
        for (UUID at = layer; at != null; at = layerTable.get(at).parent()) {
            path.add(at);
            if (path.size() > layerTable.size()) {
                throw new IllegalStateException("cycle in the layer tree of volume " + id);
            }
        }
        return path.reversed();
    }

    /** Layers whose parent is {@code layer}. */
    List<UUID> children(UUID layer) {
        List<UUID> children = new ArrayList<>();
        layerTable.forEach((child, entry) -> {
            if (layer.equals(entry.parent())) {
                children.add(child);
            }
        });
        return children;
    }

    /** Snapshots in creation order. */
    List<Snapshot> snapshotsInOrder() {
        List<Snapshot> list = new ArrayList<>(snapshotTable.values());
        list.sort(Comparator.comparingLong(Snapshot::order));
        return list;
    }

    /** Layer ids that carry a snapshot name. */
    Set<UUID> namedLayers() {
        Set<UUID> named = new HashSet<>();
        snapshotTable.values().forEach(snapshot -> named.add(snapshot.layer()));
        return named;
    }

    /**
     * Drops layers nothing needs any more: not the head, no snapshot name, no child. Repeats until
     * none is left, so a chain of unneeded ancestors goes at once.
     */
    VolumeMetadata pruned() {
        Map<UUID, Layer> table = new HashMap<>(layerTable);
        Set<UUID> named = namedLayers();
        boolean changed = true;
        while (changed) {
            changed = false;
            Set<UUID> parents = new HashSet<>();
            table.values().forEach(layer -> {
                if (layer.parent() != null) {
                    parents.add(layer.parent());
                }
            });
            for (UUID layer : new ArrayList<>(table.keySet())) {
                if (!layer.equals(head) && !named.contains(layer) && !parents.contains(layer)) {
                    table.remove(layer);
                    changed = true;
                }
            }
        }
        return new VolumeMetadata(id, sizeBytes, head, nextOrder, table, snapshotTable);
    }

    void validate() {
        if (!layerTable.containsKey(head) || layerTable.get(head).shared()) {
            throw new IllegalStateException("volume " + id + ": head " + head + " missing or shared");
        }
        for (Snapshot snapshot : snapshotTable.values()) {
            if (!layerTable.containsKey(snapshot.layer())) {
                throw new IllegalStateException("volume " + id + ": snapshot " + snapshot.name() + " has no layer");
            }
        }
        for (Map.Entry<UUID, Layer> entry : layerTable.entrySet()) {
            if (entry.getValue().parent() != null && !layerTable.containsKey(entry.getValue().parent())) {
                throw new IllegalStateException("volume " + id + ": layer " + entry.getKey() + " has no parent entry");
            }
            path(entry.getKey()); // no cycle
        }
    }

    void write(Path directory) throws IOException {
        validate();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("formatVersion", Integer.toString(FORMAT_VERSION));
        fields.put("id", id);
        fields.put("sizeBytes", Long.toString(sizeBytes));
        fields.put("head", head.toString());
        fields.put("nextOrder", Long.toString(nextOrder));
        new TreeMap<>(layerTable).forEach((layer, entry) -> fields.put("layer." + layer,
                (entry.parent() == null ? "-" : entry.parent().toString()) + "," + (entry.shared() ? "p" : "v") + ","
                        + entry.dataBlocks()));
        for (Snapshot snapshot : snapshotsInOrder()) {
            fields.put("snapshot." + snapshot.name(), snapshot.order() + "," + snapshot.layer() + "," + snapshot.sizeBytes());
        }
        AtomicFile.write(directory.resolve(FILE), ChecksummedText.encode(KIND, fields));
    }

    static VolumeMetadata read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        try {
            Map<String, String> fields = ChecksummedText.decode(KIND, Files.readAllBytes(file));
            String version = fields.get("formatVersion");
            String id = fields.get("id");
            long size = Long.parseLong(fields.getOrDefault("sizeBytes", "-1"));
            if (id == null || size <= 0) {
                throw invalid(file, "id or size missing", null);
            }
            VolumeMetadata metadata;
            if ("1".equals(version)) {
                metadata = readVersion1(id, size, fields);
            } else if (Integer.toString(FORMAT_VERSION).equals(version)) {
                metadata = readVersion2(id, size, fields);
            } else {
                throw invalid(file, "unknown format version " + version, null);
            }
            metadata.validate();
            return metadata;
        } catch (ChecksummedText.CorruptMetadataException | IllegalArgumentException | IllegalStateException
                 | IndexOutOfBoundsException e) {
            throw invalid(file, e.getMessage(), e);
        }
    }

    private static VolumeMetadata readVersion1(String id, long size, Map<String, String> fields) {
        Map<UUID, Layer> table = new HashMap<>();
        UUID parent = null;
        for (String layer : fields.getOrDefault("layers", "").split(",")) {
            UUID layerId = UUID.fromString(layer);
            table.put(layerId, new Layer(parent, false, 0));
            parent = layerId;
        }
        return new VolumeMetadata(id, size, parent, 1, table, Map.of());
    }

    private static VolumeMetadata readVersion2(String id, long size, Map<String, String> fields) {
        Map<UUID, Layer> table = new HashMap<>();
        Map<String, Snapshot> snapshots = new HashMap<>();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            String key = field.getKey();
            String[] parts = field.getValue().split(",");
            if (key.startsWith("layer.")) {
                UUID parent = parts[0].equals("-") ? null : UUID.fromString(parts[0]);
                if (!parts[1].equals("v") && !parts[1].equals("p")) {
                    throw new IllegalArgumentException("layer " + key + " has home " + parts[1]);
                }
                table.put(UUID.fromString(key.substring(6)), new Layer(parent, parts[1].equals("p"), Long.parseLong(parts[2])));
            } else if (key.startsWith("snapshot.")) {
                String name = key.substring(9);
                snapshots.put(name, new Snapshot(name, Long.parseLong(parts[0]), UUID.fromString(parts[1]),
                        Long.parseLong(parts[2])));
            }
        }
        return new VolumeMetadata(id, size, UUID.fromString(fields.get("head")),
                Long.parseLong(fields.getOrDefault("nextOrder", "1")), table, snapshots);
    }

    private static WharfException invalid(Path file, String why, Throwable cause) {
        return new WharfException(ErrorCode.DATA_DIR_INVALID, "volume metadata " + file + " is damaged: " + why,
                "the pool is damaged; restore this replica from another replica or a backup", cause);
    }
}
