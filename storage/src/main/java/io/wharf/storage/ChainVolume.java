package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.Directories;
import io.wharf.storage.journal.BlockState;
import io.wharf.storage.journal.LayerMap;
import io.wharf.storage.index.BlockEntry;
import io.wharf.storage.index.ExtentIndex;
import io.wharf.storage.layer.CommitObserver;
import io.wharf.storage.layer.HeadLayer;
import io.wharf.storage.layer.LayerChain;
import io.wharf.storage.layer.LayerFile;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A {@link Volume} backed by a {@link LayerChain}: splits byte ranges into partial edge blocks
 * (read-modify-write) and runs of whole blocks, keeps the volume's metadata file, and runs the
 * operations on the volume's layer tree (snapshot, revert, delete snapshot, sharing for clones).
 *
 * <p>I/O takes the read side of {@link #gate}; operations that replace the chain take the write
 * side, so no I/O runs while the head changes. Tree operations are serialized by the pool.
 */
final class ChainVolume implements Volume {
    /** Largest volume: 2^52 bytes (4 PiB); the filesystem may allow less (ext4: 16 TiB per file). */
    static final long MAX_SIZE_BYTES = 1L << 52;
    /** Most named snapshots of one volume. */
    static final int MAX_SNAPSHOTS = 1024;
    /** Most layers from base to head (the index entry's ordinal has 12 bits). */
    static final int MAX_DEPTH = BlockEntry.MAX_ORDINAL;
    static final Pattern SNAPSHOT_ID = Pattern.compile("[a-z0-9-]{1,128}");
    private static final int BLOCK = LayerFile.BLOCK_BYTES;
    private static final int SHIFT = LayerFile.BLOCK_SHIFT;
    private static final ByteBuffer ZERO_BLOCK = ByteBuffer.allocate(BLOCK).asReadOnlyBuffer();

    private final Path directory;
    private final Path sharedLayers;
    private final LayerOptions options;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final ReentrantLock control = new ReentrantLock();
    private volatile LayerChain chain;
    private volatile VolumeMetadata metadata;
    private volatile long sizeBytes;
    private volatile boolean closed;

    private ChainVolume(Path directory, Path sharedLayers, LayerOptions options, VolumeMetadata metadata,
                        LayerChain chain) {
        this.directory = directory;
        this.sharedLayers = sharedLayers;
        this.options = options;
        this.metadata = metadata;
        this.sizeBytes = metadata.sizeBytes();
        this.chain = chain;
    }

    /** Creates the files of a new volume in {@code directory} (which must not exist). */
    static void createFiles(Path directory, String id, long sizeBytes, LayerOptions options) throws IOException {
        Files.createDirectory(directory);
        UUID head = UUID.randomUUID();
        LayerChain.createLayer(directory, head, options);
        VolumeMetadata.fresh(id, sizeBytes, head).write(directory);
    }

    /**
     * Creates the files of a clone in {@code directory} (which must not exist): an empty owned head
     * over {@code base}, whose ancestors {@code sharedPath} (all shared) must already be durable.
     */
    static void createCloneFiles(Path directory, String id, long sizeBytes, UUID base,
                                 Map<UUID, VolumeMetadata.Layer> sharedPath, LayerOptions options) throws IOException {
        Files.createDirectory(directory);
        UUID head = UUID.randomUUID();
        LayerChain.createLayer(directory, head, options);
        Map<UUID, VolumeMetadata.Layer> table = new HashMap<>(sharedPath);
        table.put(head, new VolumeMetadata.Layer(base, false, 0));
        new VolumeMetadata(id, sizeBytes, head, 1, table, Map.of()).write(directory);
    }

    /** Opens a volume directory; {@code sharedLayers} is the pool's directory of shared layer files. */
    static ChainVolume open(Path directory, Path sharedLayers, LayerOptions options) throws IOException {
        AtomicFile.removeLeftovers(directory);
        VolumeMetadata metadata = VolumeMetadata.read(directory);
        removeUnreferencedFiles(directory, metadata);
        List<Path> files = layerFiles(directory, sharedLayers, metadata, metadata.path(metadata.head()));
        LayerChain chain = LayerChain.open(files, blocks(metadata.sizeBytes()), options, false);
        return new ChainVolume(directory, sharedLayers, options, metadata, chain);
    }

    static void validateSize(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes > MAX_SIZE_BYTES) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "volume size " + sizeBytes + " is out of range",
                    "give a size between 1 byte and 4 PiB");
        }
    }

    @Override
    public String id() {
        return metadata.id();
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        gate.readLock().lock();
        try {
            checkOpen();
            chain.read(offset, dst);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        gate.readLock().lock();
        try {
            checkOpen();
            writeOpen(offset, src);
        } finally {
            gate.readLock().unlock();
        }
    }

    private void writeOpen(long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        HeadLayer head = chain.head();
        long position = offset;
        while (position < end) {
            int inner = (int) (position & (BLOCK - 1));
            int length;
            if (inner != 0 || end - position < BLOCK) {
                length = (int) Math.min(BLOCK - inner, end - position);
                head.writePartial(position >>> SHIFT, inner, src.slice(src.position(), length));
            } else {
                length = (int) Math.min((end - position) >>> SHIFT, HeadLayer.MAX_RUN_BLOCKS) << SHIFT;
                head.writeBlocks(position >>> SHIFT, src.slice(src.position(), length));
            }
            src.position(src.position() + length);
            position += length;
        }
    }

    @Override
    public void flush() throws IOException {
        gate.readLock().lock();
        try {
            checkOpen();
            chain.head().flush();
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        writeZeroes(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole) throws IOException {
        checkRange(offset, length);
        gate.readLock().lock();
        try {
            checkOpen();
            zeroRange(offset, length, mayPunchHole);
        } finally {
            gate.readLock().unlock();
        }
    }

    private void zeroRange(long offset, long length, boolean punch) throws IOException {
        HeadLayer head = chain.head();
        long end = offset + length;
        long position = offset;
        while (position < end) {
            int inner = (int) (position & (BLOCK - 1));
            if (inner != 0 || end - position < BLOCK) {
                int part = (int) Math.min(BLOCK - inner, end - position);
                if (punch) {
                    head.zeroPartial(position >>> SHIFT, inner, part);
                } else {
                    head.writePartial(position >>> SHIFT, inner, ZERO_BLOCK.slice(0, part));
                }
                position += part;
            } else {
                long blocks = (end - position) >>> SHIFT;
                if (punch) {
                    head.discardBlocks(position >>> SHIFT, blocks);
                } else {
                    head.writeZeroBlocks(position >>> SHIFT, blocks);
                }
                position += blocks << SHIFT;
            }
        }
    }

    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        checkRange(offset, length);
        gate.readLock().lock();
        try {
            checkOpen();
            extents(chain.index(), offset, length, sink);
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Reports the allocated/zero runs of {@code [offset, offset + length)} from a merged index. */
    static void extents(ExtentIndex index, long offset, long length, ExtentSink sink) {
        if (length == 0) {
            return;
        }
        long end = offset + length;
        long lastBlock = (end - 1) >>> SHIFT;
        boolean allocated = BlockEntry.hasData(index.get(offset >>> SHIFT));
        long runStart = offset;
        long block = (offset >>> SHIFT) + 1;
        while (block <= lastBlock) {
            if (!allocated) {
                block = index.nextAllocatedChunkStart(block, lastBlock + 1);
                if (block > lastBlock) {
                    break;
                }
            }
            boolean here = BlockEntry.hasData(index.get(block));
            if (here != allocated) {
                long boundary = block << SHIFT;
                if (!sink.extent(boundary - runStart, allocated)) {
                    return;
                }
                runStart = boundary;
                allocated = here;
            }
            block++;
        }
        sink.extent(end - runStart, allocated);
    }

    @Override
    public void resize(long newSizeBytes) throws IOException {
        control.lock();
        try {
            checkOpen();
            long current = sizeBytes;
            if (newSizeBytes < current) {
                throw new WharfException(ErrorCode.SHRINK_NOT_SUPPORTED, "volume " + id() + " is " + current
                        + " bytes; it cannot shrink to " + newSizeBytes, "volumes only grow; copy the data to a smaller volume");
            }
            if (newSizeBytes == current) {
                return;
            }
            validateSize(newSizeBytes);
            gate.readLock().lock();
            try {
                checkOpen();
                VolumeMetadata next = metadata.withSize(newSizeBytes);
                next.write(directory);
                chain.grow(blocks(newSizeBytes));
                metadata = next;
                sizeBytes = newSizeBytes;
            } finally {
                gate.readLock().unlock();
            }
        } finally {
            control.unlock();
        }
    }

    /**
     * Data bytes of the layers this volume owns: its head and its own sealed layers (snapshots, and
     * hidden layers still needed). Layers shared with clones are counted by the pool, once.
     */
    @Override
    public long allocatedBytes() {
        return (chain.dataBlocks() + ownSealedBlocks()) << SHIFT;
    }

    /** Data blocks of the volume's own sealed layers (snapshots, and hidden layers still needed). */
    private long ownSealedBlocks() {
        long blocks = 0;
        VolumeMetadata current = metadata;
        for (Map.Entry<UUID, VolumeMetadata.Layer> layer : current.layerTable().entrySet()) {
            if (!layer.getValue().shared() && !layer.getKey().equals(current.head())) {
                blocks += layer.getValue().dataBlocks();
            }
        }
        return blocks;
    }

    /** Clean close: flush and checkpoint. Later calls fail. */
    void close() throws IOException {
        control.lock();
        gate.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                chain.close();
            }
        } finally {
            gate.writeLock().unlock();
            control.unlock();
        }
    }

    /** Close before deletion: no checkpoint. */
    void closeForDelete() throws IOException {
        control.lock();
        gate.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                chain.closeDiscarding();
            }
        } finally {
            gate.writeLock().unlock();
            control.unlock();
        }
    }

    // --- the layer tree: snapshot, revert, delete snapshot, sharing for clones ---

    /**
     * Seals the head as a read-only layer and stacks a new empty head on it, in O(1): flush, create
     * the new head's files, commit {@code volume.meta}, then switch the chain in memory.
     *
     * @param name the snapshot's id, or null for a hidden layer (clone of the current state)
     * @return the sealed layer's id
     */
    UUID snapshot(String name) throws IOException {
        control.lock();
        gate.writeLock().lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            if (name != null) {
                if (current.snapshotTable().containsKey(name)) {
                    throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume " + id() + " already has a snapshot " + name,
                            "choose another snapshot id or delete the existing snapshot first");
                }
                if (current.snapshotTable().size() >= MAX_SNAPSHOTS) {
                    throw new WharfException(ErrorCode.INVALID_ARGUMENT, "volume " + id() + " has " + MAX_SNAPSHOTS
                            + " snapshots, the most a volume may have", "delete snapshots that are no longer needed");
                }
            }
            checkDepth(current.path(current.head()).size() + 1);
            chain.head().flush();
            UUID sealed = current.head();
            UUID head = UUID.randomUUID();
            LayerChain.createLayer(directory, head, options);
            Map<UUID, VolumeMetadata.Layer> table = new HashMap<>(current.layerTable());
            table.put(sealed, new VolumeMetadata.Layer(table.get(sealed).parent(), false, chain.dataBlocks()));
            table.put(head, new VolumeMetadata.Layer(sealed, false, 0));
            Map<String, VolumeMetadata.Snapshot> snapshots = new HashMap<>(current.snapshotTable());
            long order = current.nextOrder();
            if (name != null) {
                snapshots.put(name, new VolumeMetadata.Snapshot(name, order, sealed, sizeBytes));
            }
            commit(new VolumeMetadata(current.id(), current.sizeBytes(), head, order + 1, table, snapshots), head);
            try {
                chain = chain.extend(LayerChain.layerPath(directory, head), options);
            } catch (IOException | RuntimeException e) {
                throw stop("sealing the head for a snapshot", e);
            }
            return sealed;
        } finally {
            gate.writeLock().unlock();
            control.unlock();
        }
    }

    /**
     * Discards the head and starts a new empty head over snapshot {@code name}. Snapshots taken
     * after it stay. Commit point: {@code volume.meta} naming the new head; the old head's files
     * (and any layer nothing needs any more) are deleted afterwards.
     */
    void revert(String name) throws IOException {
        control.lock();
        gate.writeLock().lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            VolumeMetadata.Snapshot snapshot = requireSnapshot(current, name);
            UUID head = UUID.randomUUID();
            LayerChain.createLayer(directory, head, options);
            Map<UUID, VolumeMetadata.Layer> table = new HashMap<>(current.layerTable());
            table.remove(current.head());
            table.put(head, new VolumeMetadata.Layer(snapshot.layer(), false, 0));
            VolumeMetadata next = new VolumeMetadata(current.id(), current.sizeBytes(), head, current.nextOrder(), table,
                    current.snapshotTable()).pruned();
            commit(next, head);
            replaceChain(next, false);
            removeDroppedFiles(current, next);
        } finally {
            gate.writeLock().unlock();
            control.unlock();
        }
    }

    /**
     * Deletes snapshot {@code name}. When no other volume lists its layer and the layer has exactly
     * one child no other volume lists, the
     * child first takes over every block of the layer it does not hold itself ({@link
     * LayerChain#absorb}: reads do not change, so a crash here is harmless); then {@code volume.meta}
     * is committed without the layer (the child's parent becomes the layer's parent), the chain is
     * rebuilt if the head's path changed, and the layer's files are deleted (by the pool when they
     * are in its shared directory). Otherwise (used by a clone, or several children) only the name goes; the layer stays as a hidden layer while something reads
     * through it, and goes when nothing does.
     */
    void deleteSnapshot(String name, Predicate<UUID> usedElsewhere) throws IOException {
        control.lock();
        gate.writeLock().lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            UUID layer = requireSnapshot(current, name).layer();
            Map<String, VolumeMetadata.Snapshot> snapshots = new HashMap<>(current.snapshotTable());
            snapshots.remove(name);
            Map<UUID, VolumeMetadata.Layer> table = new HashMap<>(current.layerTable());
            VolumeMetadata.Layer entry = table.get(layer);
            List<UUID> children = current.children(layer);
            if (!usedElsewhere.test(layer) && children.size() == 1 && !usedElsewhere.test(children.getFirst())) {
                UUID child = children.getFirst();
                long childBlocks = absorbInto(current, layer, child);
                table.put(child, new VolumeMetadata.Layer(entry.parent(), table.get(child).shared(), childBlocks));
                table.remove(layer);
            }
            VolumeMetadata next = new VolumeMetadata(current.id(), current.sizeBytes(), current.head(),
                    current.nextOrder(), table, snapshots).pruned();
            commit(next, null);
            if (!next.path(next.head()).equals(current.path(current.head()))) {
                replaceChain(next, true);
            }
            removeDroppedFiles(current, next);
        } finally {
            gate.writeLock().unlock();
            control.unlock();
        }
    }

    /** @return the child's DATA blocks afterwards (0 for the head, whose count is live) */
    private long absorbInto(VolumeMetadata current, UUID layer, UUID child) throws IOException {
        List<UUID> path = current.path(child);
        int ordinal = path.indexOf(layer) + 1;
        if (child.equals(current.head())) {
            chain.absorb(ordinal);
            return 0;
        }
        try (LayerChain merge = LayerChain.open(layerFiles(directory, sharedLayers, current, path), blocks(sizeBytes),
                options, false)) {
            merge.absorb(ordinal);
            return merge.dataBlocks();
        }
    }

    /**
     * Makes {@code base} and its ancestors shared: hard-links their files into the pool's shared
     * directory, commits {@code volume.meta} marking them shared, then drops the names in the volume
     * directory. The open files are the same inodes, so I/O is not disturbed.
     *
     * @return the table entries of {@code base}'s path, all shared
     */
    Map<UUID, VolumeMetadata.Layer> share(UUID base) throws IOException {
        control.lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            List<UUID> path = current.path(base);
            Map<UUID, VolumeMetadata.Layer> table = new HashMap<>(current.layerTable());
            List<UUID> moved = new ArrayList<>();
            for (UUID layer : path) {
                VolumeMetadata.Layer entry = table.get(layer);
                if (entry.shared()) {
                    continue;
                }
                if (layer.equals(current.head())) {
                    throw new IllegalStateException("the head of volume " + id() + " cannot be shared");
                }
                for (Path file : List.of(LayerChain.layerPath(directory, layer), LayerChain.mapPath(directory, layer))) {
                    Path link = sharedLayers.resolve(file.getFileName());
                    Files.deleteIfExists(link);
                    Files.createLink(link, file);
                }
                table.put(layer, new VolumeMetadata.Layer(entry.parent(), true, entry.dataBlocks()));
                moved.add(layer);
            }
            if (!moved.isEmpty()) {
                Directories.fsync(sharedLayers);
                VolumeMetadata next = new VolumeMetadata(current.id(), current.sizeBytes(), current.head(),
                        current.nextOrder(), table, current.snapshotTable());
                commit(next, null);
                removeUnreferencedFiles(directory, next);
            }
            Map<UUID, VolumeMetadata.Layer> result = new HashMap<>();
            for (UUID layer : path) {
                result.put(layer, metadata.layerTable().get(layer));
            }
            return result;
        } finally {
            control.unlock();
        }
    }

    VolumeMetadata.Snapshot snapshotRecord(String name) {
        return requireSnapshot(metadata, name);
    }

    /** The snapshots in creation order, with their space (see {@link SnapshotInfo}). */
    List<SnapshotInfo> snapshots(Predicate<UUID> usedElsewhere) throws IOException {
        control.lock();
        gate.readLock().lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            List<SnapshotInfo> infos = new ArrayList<>();
            for (VolumeMetadata.Snapshot snapshot : current.snapshotsInOrder()) {
                VolumeMetadata.Layer entry = current.layerTable().get(snapshot.layer());
                infos.add(new SnapshotInfo(snapshot.name(), snapshot.order(), snapshot.sizeBytes(),
                        entry.dataBlocks() << SHIFT, exclusiveBlocks(current, snapshot.layer(), usedElsewhere) << SHIFT,
                        usedElsewhere.test(snapshot.layer())));
            }
            return infos;
        } finally {
            gate.readLock().unlock();
            control.unlock();
        }
    }

    /** Head, owned and per-snapshot space, read under one hold of the control lock so the parts agree. */
    VolumeSpace space(Predicate<UUID> usedElsewhere) throws IOException {
        control.lock();
        try {
            List<SnapshotInfo> snapshots = snapshots(usedElsewhere);
            long headBlocks = chain.dataBlocks(); // may move with concurrent writes; the parts stay consistent
            long sealedBlocks = 0;
            VolumeMetadata current = metadata;
            for (Map.Entry<UUID, VolumeMetadata.Layer> layer : current.layerTable().entrySet()) {
                if (!layer.getKey().equals(current.head())) {
                    sealedBlocks += layer.getValue().dataBlocks();
                }
            }
            return new VolumeSpace(headBlocks << SHIFT, (headBlocks + sealedBlocks) << SHIFT, snapshots);
        } finally {
            control.unlock();
        }
    }

    /** Blocks deleting the snapshot of {@code layer} would give back now (see {@link SnapshotInfo#exclusiveBytes}). */
    private long exclusiveBlocks(VolumeMetadata current, UUID layer, Predicate<UUID> usedElsewhere) throws IOException {
        VolumeMetadata.Layer entry = current.layerTable().get(layer);
        List<UUID> children = current.children(layer);
        if (usedElsewhere.test(layer)) {
            return 0;
        }
        if (children.isEmpty()) {
            return entry.dataBlocks();
        }
        UUID child = children.getFirst();
        if (children.size() > 1 || usedElsewhere.test(child)) {
            return 0;
        }
        LayerMap own = LayerChain.readMap(layerFile(current, layer), options);
        LayerMap childMap = child.equals(current.head()) ? null : LayerChain.readMap(layerFile(current, child), options);
        ExtentIndex index = chain.index();
        int headOrdinal = chain.layerCount();
        long count = 0;
        for (Map.Entry<Long, byte[]> page : own.pages().entrySet()) {
            long first = page.getKey() * LayerMap.PAGE_BLOCKS;
            byte[] states = page.getValue();
            for (int i = 0; i < states.length; i++) {
                if (states[i] != BlockState.DATA) {
                    continue;
                }
                boolean shadowed = childMap == null ? BlockEntry.ordinal(index.get(first + i)) == headOrdinal
                        : childMap.get(first + i) != BlockState.ABSENT;
                if (shadowed) {
                    count++;
                }
            }
        }
        return count;
    }

    /**
     * The blocks of snapshot {@code name} that may differ from snapshot {@code base} (or, with a null
     * base, every block the snapshot's layers hold or zero), as consecutive runs over the snapshot's
     * size: a run is "allocated" when it changed. A block counts as changed when a layer between the
     * two snapshots wrote or trimmed it, so the runs cover every difference (a block rewritten with
     * the same bytes counts too).
     *
     * @throws WharfException NOT_FOUND when either snapshot is missing; INVALID_ARGUMENT when
     *                        {@code base} is not an earlier snapshot in {@code name}'s history (deleted
     *                        and taken again, or on another branch after a revert): then only a full
     *                        comparison will do
     */
    void changedBlocks(String base, String name, ExtentSink sink) throws IOException {
        List<Path> files;
        long sizeBytes;
        java.util.TreeMap<Long, byte[]> changed = new java.util.TreeMap<>();
        control.lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            VolumeMetadata.Snapshot snapshot = requireSnapshot(current, name);
            List<UUID> path = current.path(snapshot.layer());
            int from = 0;
            if (base != null) {
                UUID baseLayer = requireSnapshot(current, base).layer();
                int at = path.indexOf(baseLayer);
                if (at < 0 || baseLayer.equals(snapshot.layer())) {
                    throw new WharfException(ErrorCode.INVALID_ARGUMENT, "snapshot " + base + " of volume " + id()
                            + " is not an earlier snapshot in the history of " + name,
                            "compare against an earlier snapshot of the same history, or take everything");
                }
                from = at + 1;
            }
            files = layerFiles(directory, sharedLayers, current, path.subList(from, path.size()));
            sizeBytes = snapshot.sizeBytes();
            for (Path file : files) { // sealed layers (their maps no longer change), kept while the lock is held
                for (Map.Entry<Long, byte[]> page : LayerChain.readMap(file, options).pages().entrySet()) {
                    byte[] union = changed.computeIfAbsent(page.getKey(), k -> new byte[LayerMap.PAGE_BLOCKS]);
                    byte[] states = page.getValue();
                    for (int i = 0; i < states.length; i++) {
                        if (states[i] != BlockState.ABSENT) {
                            union[i] = 1;
                        }
                    }
                }
            }
        } finally {
            control.unlock();
        }
        long blocks = blocks(sizeBytes);
        long runStart = 0;
        boolean runChanged = false;
        for (Map.Entry<Long, byte[]> page : changed.entrySet()) {
            long first = page.getKey() * LayerMap.PAGE_BLOCKS;
            byte[] union = page.getValue();
            for (int i = 0; i < union.length && first + i < blocks; i++) {
                long block = first + i;
                boolean here = union[i] != 0;
                if (here != runChanged) {
                    if (block > runStart && !sink.extent((block - runStart) << SHIFT, runChanged)) {
                        return;
                    }
                    runStart = block;
                    runChanged = here;
                }
            }
            if (runChanged && (page.getKey() + 1) * LayerMap.PAGE_BLOCKS < blocks
                    && !changed.containsKey(page.getKey() + 1)) {
                long end = (page.getKey() + 1) * LayerMap.PAGE_BLOCKS;
                if (!sink.extent((end - runStart) << SHIFT, true)) {
                    return;
                }
                runStart = end;
                runChanged = false;
            }
        }
        if (blocks > runStart) {
            long endBytes = Math.min(blocks << SHIFT, sizeBytes);
            sink.extent(endBytes - (runStart << SHIFT), runChanged);
        }
    }

    /** A read-only view of snapshot {@code name}, on its own file descriptors; the caller closes it. */
    SnapshotVolume openSnapshot(String name) throws IOException {
        control.lock();
        try {
            checkOpen();
            VolumeMetadata current = metadata;
            VolumeMetadata.Snapshot snapshot = requireSnapshot(current, name);
            List<Path> files = layerFiles(directory, sharedLayers, current, current.path(snapshot.layer()));
            LayerChain view = LayerChain.open(files, blocks(snapshot.sizeBytes()), options, true);
            return new SnapshotVolume(id(), name, snapshot.sizeBytes(), view);
        } finally {
            control.unlock();
        }
    }

    private static VolumeMetadata.Snapshot requireSnapshot(VolumeMetadata current, String name) {
        VolumeMetadata.Snapshot snapshot = name == null ? null : current.snapshotTable().get(name);
        if (snapshot == null) {
            throw new WharfException(ErrorCode.NOT_FOUND, "volume " + current.id() + " has no snapshot " + name,
                    "list the volume's snapshots to see which exist");
        }
        return snapshot;
    }

    static void checkDepth(int layers) {
        if (layers > MAX_DEPTH) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "a chain of " + layers + " layers exceeds the limit of "
                    + MAX_DEPTH + " layers from base to head",
                    "delete snapshots (of this volume or of the volumes it was cloned from) to shorten the chain");
        }
    }

    /** Writes {@code next} as the commit point; on failure before the rename, deletes {@code newHead}'s files. */
    private void commit(VolumeMetadata next, UUID newHead) throws IOException {
        try {
            next.write(directory);
        } catch (IOException | RuntimeException e) {
            if (AtomicFile.replaced(e)) {
                throw stop("committing volume.meta", e);
            }
            if (newHead != null) {
                deleteLayerFiles(directory, newHead);
            }
            throw e;
        }
        metadata = next;
    }

    /** Replaces the chain by the head path of {@code next}; the old head is checkpointed or discarded. */
    private void replaceChain(VolumeMetadata next, boolean checkpointOldHead) throws IOException {
        try {
            if (checkpointOldHead) {
                chain.close();
            } else {
                chain.closeDiscarding();
            }
            chain = LayerChain.open(layerFiles(directory, sharedLayers, next, next.path(next.head())),
                    blocks(sizeBytes), options, false);
        } catch (IOException | RuntimeException e) {
            throw stop("rebuilding the layer chain", e);
        }
    }

    /** Fail-stop after the commit point: every later call fails until the pool is reopened and recovers. */
    private IOException stop(String what, Throwable cause) {
        closed = true;
        return new IOException("volume " + id() + " stopped after a failure " + what
                + "; reopen the pool, which finishes the operation from volume.meta", cause);
    }

    private void removeDroppedFiles(VolumeMetadata before, VolumeMetadata after) throws IOException {
        boolean removed = false;
        for (Map.Entry<UUID, VolumeMetadata.Layer> layer : before.layerTable().entrySet()) {
            VolumeMetadata.Layer now = after.layerTable().get(layer.getKey());
            if (!layer.getValue().shared() && (now == null || now.shared())) {
                deleteLayerFiles(directory, layer.getKey());
                removed = true;
            }
        }
        if (removed) {
            Directories.fsync(directory);
        }
    }

    private static void deleteLayerFiles(Path directory, UUID layer) throws IOException {
        Files.deleteIfExists(LayerChain.layerPath(directory, layer));
        Files.deleteIfExists(LayerChain.mapPath(directory, layer));
    }

    private Path layerFile(VolumeMetadata current, UUID layer) {
        return layerFiles(directory, sharedLayers, current, List.of(layer)).getFirst();
    }

    /** Layer files of {@code path} (base first), in the volume directory or the pool's shared directory. */
    static List<Path> layerFiles(Path directory, Path sharedLayers, VolumeMetadata metadata, List<UUID> path) {
        List<Path> files = new ArrayList<>(path.size());
        for (UUID layer : path) {
            files.add(LayerChain.layerPath(metadata.layerTable().get(layer).shared() ? sharedLayers : directory, layer));
        }
        return files;
    }

    /** Deletes layer files of the volume directory that the metadata does not list as owned (crash leftovers). */
    static void removeUnreferencedFiles(Path directory, VolumeMetadata metadata) throws IOException {
        boolean removed = false;
        try (var entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                UUID layer = layerIdOf(entry);
                if (layer == null) {
                    continue;
                }
                VolumeMetadata.Layer known = metadata.layerTable().get(layer);
                if (known == null || known.shared()) {
                    Files.deleteIfExists(entry);
                    removed = true;
                }
            }
        }
        if (removed) {
            Directories.fsync(directory);
        }
    }

    /** The layer id of a {@code <uuid>.layer} or {@code <uuid>.map} file, else null. */
    static UUID layerIdOf(Path file) {
        String name = file.getFileName().toString();
        String stem;
        if (name.endsWith(LayerChain.LAYER_SUFFIX)) {
            stem = name.substring(0, name.length() - LayerChain.LAYER_SUFFIX.length());
        } else if (name.endsWith(LayerChain.MAP_SUFFIX)) {
            stem = name.substring(0, name.length() - LayerChain.MAP_SUFFIX.length());
        } else {
            return null;
        }
        try {
            return UUID.fromString(stem);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    VolumeMetadata metadata() {
        return metadata;
    }

    LayerOptions options() {
        return options;
    }

    Path sharedLayers() {
        return sharedLayers;
    }

    Path directory() {
        return directory;
    }

    LayerChain chain() {
        return chain;
    }

    /** Test seam: see {@link CommitObserver}. */
    void observeCommits(CommitObserver observer) {
        chain.head().observeCommits(observer);
    }

    private void checkRange(long offset, long length) {
        long size = sizeBytes;
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") is outside volume " + id()
                    + " of " + size + " bytes");
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("volume " + id() + " is closed (deleted, or its pool was closed)");
        }
    }

    static long blocks(long sizeBytes) {
        return (sizeBytes + BLOCK - 1) >>> SHIFT;
    }
}
