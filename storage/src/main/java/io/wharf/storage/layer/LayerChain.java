package io.wharf.storage.layer;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.Directories;
import io.wharf.storage.index.BlockEntry;
import io.wharf.storage.index.ExtentIndex;
import io.wharf.storage.journal.BlockState;
import io.wharf.storage.journal.JournalRing;
import io.wharf.storage.journal.LayerMap;
import io.wharf.storage.journal.MapCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume's chain of layers, base first: read-only sealed layers and (unless the chain is a
 * read-only snapshot view) one writable head. Owns the merged {@link ExtentIndex} built at open,
 * the read path, and the {@link HeadLayer} every change goes through.
 *
 * <p>Files per layer: {@code <layerId>.layer} (header, journal, data) and {@code <layerId>.map}
 * (checkpoint), side by side in one directory (the volume's, or the pool's {@code layers/} for
 * layers shared by several volumes). A chain's layers may come from different directories.
 *
 * <p>{@link #extend} seals the head and stacks a new empty head on the same index in O(1): the old
 * head's entries keep their ordinal and simply stop being the head's.
 */
public final class LayerChain implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LayerChain.class);
    public static final String LAYER_SUFFIX = ".layer";
    public static final String MAP_SUFFIX = ".map";

    private final List<LayerFile> layers;
    private final long[] sealedDataBlocks;
    private final ExtentIndex index;
    private final HeadLayer head;

    private LayerChain(List<LayerFile> layers, long[] sealedDataBlocks, ExtentIndex index, long headDataBlocks,
                       JournalRing ring, Path headMap) {
        this.layers = List.copyOf(layers);
        this.sealedDataBlocks = sealedDataBlocks;
        this.index = index;
        this.head = ring == null ? null
                : new HeadLayer(this, layers.getLast(), layers.size(), index, headDataBlocks, ring, headMap);
    }

    /** Creates the files of a new, empty layer: the layer file and an empty checkpoint (generation 1). */
    public static void createLayer(Path directory, UUID layerId, LayerOptions options) throws IOException {
        LayerFile.create(layerPath(directory, layerId), layerId, options).close();
        // A new file nothing refers to yet: written and synced in place (no rename needed); the
        // directory sync below makes both names durable before metadata can name the layer.
        byte[] map = MapCheckpoint.encode(new MapCheckpoint.Header(layerId, 1, 1), sink -> { });
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(mapPath(directory, layerId),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(map);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw io.wharf.storage.disk.DiskErrors.rethrow("creating layer map " + layerId, e);
        }
        Directories.fsync(directory);
    }

    /**
     * Opens the chain {@code layerIds} (base first, head last), all in {@code directory}, recovering
     * each layer from its checkpoint and journal; if the head's journal held records, writes a new
     * checkpoint so the recovery's decisions are durable before any new record is appended.
     */
    public static LayerChain open(Path directory, List<UUID> layerIds, long blockCount, LayerOptions options)
            throws IOException {
        return open(layerIds.stream().map(id -> layerPath(directory, id)).toList(), blockCount, options, false);
    }

    /**
     * Opens the chain of layer files {@code layerFiles} (base first; {@code .layer} paths, each with
     * its {@code .map} beside it). With {@code readOnly} no layer is written: there is no head, and
     * nothing is checkpointed (a snapshot view).
     */
    public static LayerChain open(List<Path> layerFiles, long blockCount, LayerOptions options, boolean readOnly)
            throws IOException {
        if (layerFiles.isEmpty() || layerFiles.size() > BlockEntry.MAX_ORDINAL) {
            throw new WharfException(ErrorCode.DATA_DIR_INVALID, "layer chain of " + layerFiles.size() + " layers ("
                    + layerFiles.getLast() + ")", "the pool is damaged; restore the replica from another replica");
        }
        List<LayerFile> files = new ArrayList<>();
        try {
            ExtentIndex index = new ExtentIndex(blockCount);
            long[] dataBlocks = new long[layerFiles.size()];
            LayerRecovery.Result headResult = null;
            for (int i = 0; i < layerFiles.size(); i++) {
                Path path = layerFiles.get(i);
                LayerFile file = LayerFile.open(path, options);
                files.add(file);
                LayerRecovery.Result result = LayerRecovery.recover(file, mapPathOf(path), i > 0);
                merge(index, result.map(), i + 1);
                dataBlocks[i] = result.map().count(BlockState.DATA);
                headResult = result;
                if (result.replayedAnything()) {
                    LOG.atInfo().setMessage("layer recovered from its journal").addKeyValue("layer", path.getFileName())
                            .addKeyValue("records", result.replay().batches().size())
                            .addKeyValue("droppedBlocks", result.droppedBlocks()).log();
                }
            }
            if (readOnly) {
                return new LayerChain(files, dataBlocks, index, 0, null, null);
            }
            LayerFile headFile = files.getLast();
            JournalRing ring = new JournalRing(headFile.channel(), headFile.header().journalOffset(),
                    headFile.header().journalBytes(), headResult.generation(), headResult.replay().nextSequence(),
                    headResult.replay().endPosition());
            LayerChain chain = new LayerChain(files, dataBlocks, index, dataBlocks[files.size() - 1], ring,
                    mapPathOf(layerFiles.getLast()));
            if (headResult.replayedAnything()) {
                chain.head.checkpoint();
            }
            return chain;
        } catch (IOException | RuntimeException e) {
            for (LayerFile file : files) {
                try {
                    file.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Seals the head (flushes it; it is never written again) and returns a chain with a new, empty
     * head from {@code newHeadFile} (created by {@link #createLayer}) on top, sharing this chain's
     * index and files. O(1) apart from the flush. This chain must not be used afterwards, except to
     * {@link #closeFiles close its files} when the new chain could not be made.
     *
     * @return the new chain; {@link #layerDataBlocks} of the old head's ordinal is the sealed layer's
     *         DATA block count
     */
    public LayerChain extend(Path newHeadFile, LayerOptions options) throws IOException {
        if (layers.size() + 1 > BlockEntry.MAX_ORDINAL) {
            throw new IllegalStateException("chain already has " + layers.size() + " layers");
        }
        LayerFile file = LayerFile.open(newHeadFile, options);
        try {
            head.seal();
            long[] dataBlocks = java.util.Arrays.copyOf(sealedDataBlocks, layers.size() + 1);
            dataBlocks[layers.size() - 1] = head.dataBlocks();
            List<LayerFile> files = new ArrayList<>(layers);
            files.add(file);
            JournalRing ring = new JournalRing(file.channel(), file.header().journalOffset(), file.header().journalBytes(),
                    1, 1, 0);
            return new LayerChain(files, dataBlocks, index, 0, ring, mapPathOf(newHeadFile));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Copies into the head every block the layer of {@code ordinal} shows in the merged index (its
     * DATA bytes, or its ZERO marker), where the head does not hold the block itself; then flushes.
     * Reads do not change (the head gets what they already returned), so this may run with I/O going
     * on and be interrupted by a crash; afterwards the layer can leave the chain.
     *
     * @return blocks copied
     */
    public long absorb(int ordinal) throws IOException {
        if (ordinal < 1 || ordinal >= layers.size()) {
            throw new IllegalArgumentException("ordinal " + ordinal + " is not a sealed layer of the chain");
        }
        LayerFile source = layers.get(ordinal - 1);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(LayerFile.BLOCK_BYTES);
        long blocks = index.blockCount();
        long copied = 0;
        long block = index.nextAllocatedChunkStart(0, blocks);
        while (block < blocks) {
            long chunkEnd = Math.min(blocks, (block | (ExtentIndex.CHUNK_BLOCKS - 1)) + 1);
            for (long b = block; b < chunkEnd; b++) {
                int entry = index.get(b);
                if (BlockEntry.ordinal(entry) != ordinal) {
                    continue;
                }
                boolean zero = BlockEntry.zero(entry);
                if (!zero) {
                    buffer.clear();
                    source.readData(b << LayerFile.BLOCK_SHIFT, buffer);
                    buffer.flip();
                }
                if (head.absorb(b, zero, buffer)) {
                    copied++;
                }
            }
            block = index.nextAllocatedChunkStart(chunkEnd, blocks);
        }
        head.flush();
        return copied;
    }

    private static void merge(ExtentIndex index, LayerMap map, int ordinal) {
        for (Map.Entry<Long, byte[]> page : map.pages().entrySet()) {
            long first = page.getKey() * LayerMap.PAGE_BLOCKS;
            byte[] states = page.getValue();
            for (int i = 0; i < states.length; i++) {
                long block = first + i;
                switch (states[i]) {
                    case BlockState.DATA -> index.set(block, BlockEntry.of(ordinal, false, BlockEntry.DURABLE));
                    case BlockState.ZERO -> index.set(block, BlockEntry.of(ordinal, true, BlockEntry.DURABLE));
                    default -> { /* ABSENT: the lower layer's entry stays */ }
                }
            }
        }
    }

    public static Path layerPath(Path directory, UUID layerId) {
        return directory.resolve(layerId + LAYER_SUFFIX);
    }

    public static Path mapPath(Path directory, UUID layerId) {
        return directory.resolve(layerId + MAP_SUFFIX);
    }

    /**
     * The block map of a sealed layer, read from its checkpoint and journal (for space accounting).
     * Must not be called on a live head.
     */
    public static LayerMap readMap(Path layerFile, LayerOptions options) throws IOException {
        try (LayerFile file = LayerFile.open(layerFile, options)) {
            return LayerRecovery.recover(file, mapPathOf(layerFile), true).map();
        }
    }

    /** The checkpoint beside a {@code .layer} file. */
    public static Path mapPathOf(Path layerFile) {
        String name = layerFile.getFileName().toString();
        if (!name.endsWith(LAYER_SUFFIX)) {
            throw new IllegalArgumentException(layerFile + " is not a layer file");
        }
        return layerFile.resolveSibling(name.substring(0, name.length() - LAYER_SUFFIX.length()) + MAP_SUFFIX);
    }

    /** DATA blocks of the layer at {@code ordinal} (1 = base): live for the head, as opened or sealed otherwise. */
    public long layerDataBlocks(int ordinal) {
        return head != null && ordinal == layers.size() ? head.dataBlocks() : sealedDataBlocks[ordinal - 1];
    }

    public LayerFile layer(int ordinal) {
        return layers.get(ordinal - 1);
    }

    public HeadLayer head() {
        return head;
    }

    public ExtentIndex index() {
        return index;
    }

    public int layerCount() {
        return layers.size();
    }

    /**
     * Fills {@code dst.remaining()} bytes from volume offset {@code offset}: consecutive blocks
     * read from the same layer become one {@code pread}; blocks that read zeros cost no I/O.
     */
    public void read(long offset, ByteBuffer dst) throws IOException {
        long position = offset;
        while (dst.hasRemaining()) {
            long end = position + dst.remaining();
            long block = position >>> LayerFile.BLOCK_SHIFT;
            int source = BlockEntry.dataSource(index.get(block));
            long runEnd = (block + 1) << LayerFile.BLOCK_SHIFT;
            while (runEnd < end && BlockEntry.dataSource(index.get(runEnd >>> LayerFile.BLOCK_SHIFT)) == source) {
                runEnd += LayerFile.BLOCK_BYTES;
            }
            int length = (int) (Math.min(runEnd, end) - position);
            if (source == 0) {
                ZeroBlocks.fill(dst, length);
            } else {
                ByteBuffer run = dst.slice(dst.position(), length);
                layers.get(source - 1).readData(position, run);
                dst.position(dst.position() + length);
            }
            position += length;
        }
    }

    /** Reads one whole block into {@code dst} (position 0, 4 KiB) for read-modify-write. */
    void readBlock(long block, ByteBuffer dst) throws IOException {
        dst.clear();
        read(block << LayerFile.BLOCK_SHIFT, dst);
        dst.clear();
    }

    /** Makes room in the index for a grown volume. */
    public void grow(long blockCount) {
        index.grow(blockCount);
    }

    /** Data blocks held by the head layer (0 for a read-only chain). */
    public long dataBlocks() {
        return head == null ? 0 : head.dataBlocks();
    }

    /** Flushes and checkpoints the head, then closes every layer file: a clean shutdown. */
    @Override
    public void close() throws IOException {
        close(true);
    }

    /** Closes without a final checkpoint (the volume is being deleted). */
    public void closeDiscarding() throws IOException {
        close(false);
    }

    /** Closes the layer files only (the head, if any, was sealed or is given up). */
    public void closeFiles() throws IOException {
        closeFiles(null);
    }

    private void close(boolean checkpoint) throws IOException {
        IOException failure = null;
        try {
            if (head != null) {
                head.close(checkpoint);
            }
        } catch (IOException e) {
            failure = e;
        }
        closeFiles(failure);
    }

    private void closeFiles(IOException earlier) throws IOException {
        IOException failure = earlier;
        for (LayerFile file : layers) {
            try {
                file.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
