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
 * A volume's chain of layers, base first: read-only snapshot layers and one writable head (this
 * slice only ever creates one layer, the head, but opening handles any number). Owns the merged
 * {@link ExtentIndex} built at open, the read path, and the {@link HeadLayer} every change goes
 * through.
 *
 * <p>Files in the volume directory per layer: {@code <layerId>.layer} (header, journal, data) and
 * {@code <layerId>.map} (checkpoint).
 */
public final class LayerChain implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LayerChain.class);
    public static final String LAYER_SUFFIX = ".layer";
    public static final String MAP_SUFFIX = ".map";

    private final List<LayerFile> layers;
    private final ExtentIndex index;
    private final HeadLayer head;

    private LayerChain(List<LayerFile> layers, ExtentIndex index, long headDataBlocks, JournalRing ring, Path headMap) {
        this.layers = List.copyOf(layers);
        this.index = index;
        this.head = new HeadLayer(this, layers.getLast(), layers.size(), index, headDataBlocks, ring, headMap);
    }

    /** Creates the files of a new, empty layer: the layer file and an empty checkpoint (generation 1). */
    public static void createLayer(Path directory, UUID layerId, LayerOptions options) throws IOException {
        LayerFile.create(layerPath(directory, layerId), layerId, options).close();
        MapCheckpoint.write(mapPath(directory, layerId), new MapCheckpoint.Header(layerId, 1, 1), sink -> { });
        Directories.fsync(directory);
    }

    /**
     * Opens the chain {@code layerIds} (base first, head last), recovering each layer from its
     * checkpoint and journal; if the head's journal held records, writes a new checkpoint so the
     * recovery's decisions are durable before any new record is appended.
     */
    public static LayerChain open(Path directory, List<UUID> layerIds, long blockCount, LayerOptions options)
            throws IOException {
        if (layerIds.isEmpty() || layerIds.size() > BlockEntry.MAX_ORDINAL) {
            throw new WharfException(ErrorCode.DATA_DIR_INVALID, "volume in " + directory + " has "
                    + layerIds.size() + " layers", "the pool is damaged; restore the replica from another replica");
        }
        List<LayerFile> files = new ArrayList<>();
        try {
            ExtentIndex index = new ExtentIndex(blockCount);
            LayerRecovery.Result headResult = null;
            for (int i = 0; i < layerIds.size(); i++) {
                LayerFile file = LayerFile.open(layerPath(directory, layerIds.get(i)), options);
                files.add(file);
                LayerRecovery.Result result = LayerRecovery.recover(file, mapPath(directory, layerIds.get(i)), i > 0);
                merge(index, result.map(), i + 1);
                headResult = result;
                if (result.replayedAnything()) {
                    LOG.atInfo().setMessage("layer recovered from its journal").addKeyValue("layer", layerIds.get(i))
                            .addKeyValue("records", result.replay().batches().size())
                            .addKeyValue("droppedBlocks", result.droppedBlocks()).log();
                }
            }
            long headDataBlocks = headResult.map().count(BlockState.DATA);
            LayerFile headFile = files.getLast();
            JournalRing ring = new JournalRing(headFile.channel(), headFile.header().journalOffset(),
                    headFile.header().journalBytes(), headResult.generation(), headResult.replay().nextSequence(),
                    headResult.replay().endPosition());
            LayerChain chain = new LayerChain(files, index, headDataBlocks, ring, mapPath(directory, layerIds.getLast()));
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

    /** Bytes of data blocks held by this chain's layers (only the head in this slice). */
    public long dataBlocks() {
        return head.dataBlocks();
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

    private void close(boolean checkpoint) throws IOException {
        IOException failure = null;
        try {
            head.close(checkpoint);
        } catch (IOException e) {
            failure = e;
        }
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
