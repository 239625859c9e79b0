package io.wharf.storage.bench;

import io.wharf.storage.layer.LayerChain;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The benchmark's control read path: a volume's layer files opened read-only with their own
 * channels, and for each block of the working set the layer that holds it, derived from the write
 * history rather than from the engine's index. The chain (base first) comes from {@code volume.meta}:
 * the head, then each layer's parent.
 */
final class LayerFiles implements AutoCloseable {
    private final List<FileChannel> channels;
    private final byte[] layerOfBlock;

    private LayerFiles(List<FileChannel> channels, byte[] layerOfBlock) {
        this.channels = channels;
        this.layerOfBlock = layerOfBlock;
    }

    /**
     * Opens the layers of the volume in {@code directory} that took a snapshot after each of its first
     * {@code snapshots} rounds; {@code lastRound[b]} is the last round that wrote block b (0 = the fill).
     */
    static LayerFiles open(Path directory, int snapshots, int[] lastRound) throws IOException {
        List<UUID> chain = chain(directory);
        if (chain.size() != snapshots + 1) {
            throw new IllegalStateException(directory + " has " + chain.size() + " layers, expected " + (snapshots + 1));
        }
        byte[] layerOfBlock = new byte[lastRound.length];
        for (int b = 0; b < lastRound.length; b++) {
            // layer k (1..n) was sealed after round k: it holds round k (layer 1 also the fill);
            // the head (n + 1) holds every later round
            int round = lastRound[b];
            int ordinal = round <= 1 ? 1 : Math.min(round, snapshots + 1);
            layerOfBlock[b] = (byte) (ordinal - 1);
        }
        List<FileChannel> channels = new ArrayList<>();
        for (UUID layer : chain) {
            channels.add(FileChannel.open(LayerChain.layerPath(directory, layer), StandardOpenOption.READ));
        }
        return new LayerFiles(List.copyOf(channels), layerOfBlock);
    }

    private static List<UUID> chain(Path directory) throws IOException {
        Map<UUID, UUID> parents = new HashMap<>();
        UUID head = null;
        for (String line : Files.readAllLines(directory.resolve("volume.meta"))) {
            if (line.startsWith("head=")) {
                head = UUID.fromString(line.substring("head=".length()));
            } else if (line.startsWith("layer.")) {
                int equals = line.indexOf('=');
                String parent = line.substring(equals + 1).split(",")[0];
                parents.put(UUID.fromString(line.substring("layer.".length(), equals)),
                        parent.equals("-") ? null : UUID.fromString(parent));
            }
        }
        List<UUID> chain = new ArrayList<>();
        for (UUID layer = head; layer != null; layer = parents.get(layer)) {
            chain.add(layer);
        }
        Collections.reverse(chain);
        return chain;
    }

    /** Reads block {@code block} from the layer that holds it, with one positional read. */
    void read(long block, ByteBuffer dst) throws IOException {
        FileChannel channel = channels.get(layerOfBlock[(int) block]);
        long position = LayerOptions.METADATA_REGION_BYTES + block * 4096;
        while (dst.hasRemaining()) {
            if (channel.read(dst, position + dst.position()) < 0) {
                throw new IOException("end of file at block " + block);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (FileChannel channel : channels) {
            channel.close();
        }
    }
}
