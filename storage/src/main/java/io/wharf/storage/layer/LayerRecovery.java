package io.wharf.storage.layer;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.journal.BlockState;
import io.wharf.storage.journal.JournalBatch;
import io.wharf.storage.journal.JournalRing;
import io.wharf.storage.journal.LayerMap;
import io.wharf.storage.journal.MapCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Rebuilds one layer's block map from its checkpoint and journal: load the checkpoint, replay the
 * records of its generation in sequence, applying every record but the newest unconditionally
 * (each was synced before the next was written). The newest record may belong to a sync that never
 * completed, so for each of its DATA entries the block's bytes are checked against the recorded
 * CRC32C; a block that does not match keeps its previous state (and its torn bytes are punched
 * out), so it reads its old content rather than a mix.
 */
final class LayerRecovery {
    private LayerRecovery() {}

    /**
     * @param map           the layer's block map after replay
     * @param generation    generation of the checkpoint (and of the replayed records)
     * @param replay        what the journal held
     * @param droppedBlocks DATA entries of the newest record whose bytes did not match
     */
    record Result(LayerMap map, long generation, JournalRing.Replay replay, long droppedBlocks) {
        boolean replayedAnything() {
            return !replay.batches().isEmpty();
        }
    }

    static Result recover(LayerFile file, Path mapPath, boolean lowerLayers) throws IOException {
        MapCheckpoint.Loaded checkpoint;
        try {
            checkpoint = MapCheckpoint.read(mapPath);
        } catch (NoSuchFileException e) {
            throw corrupt(mapPath, "its checkpoint is missing", e);
        } catch (MapCheckpoint.CorruptCheckpointException e) {
            throw corrupt(mapPath, e.getMessage(), e);
        }
        LayerHeader header = file.header();
        if (!checkpoint.header().layerId().equals(header.layerId())) {
            throw corrupt(mapPath, "the checkpoint belongs to layer " + checkpoint.header().layerId(), null);
        }
        JournalRing.Replay replay = JournalRing.replay(file.channel(), header.journalOffset(), header.journalBytes(),
                checkpoint.header().generation(), checkpoint.header().nextSequence());
        LayerMap map = checkpoint.map();
        int batches = replay.batches().size();
        for (int b = 0; b + 1 < batches; b++) {
            JournalBatch batch = replay.batches().get(b);
            for (int i = 0; i < batch.size(); i++) {
                map.set(batch.block(i), batch.state(i));
            }
        }
        long dropped = batches == 0 ? 0 : applyNewest(file, map, replay.batches().get(batches - 1), lowerLayers);
        return new Result(map, checkpoint.header().generation(), replay, dropped);
    }

    private static long applyNewest(LayerFile file, LayerMap map, JournalBatch batch, boolean lowerLayers)
            throws IOException {
        ByteBuffer block = ByteBuffer.allocate(LayerFile.BLOCK_BYTES);
        long dropped = 0;
        for (int i = 0; i < batch.size(); i++) {
            long blockIndex = batch.block(i);
            int state = batch.state(i);
            if (state == BlockState.DATA) {
                block.clear();
                file.readData(blockIndex << LayerFile.BLOCK_SHIFT, block);
                CRC32C crc = new CRC32C();
                crc.update(block.flip());
                if ((int) crc.getValue() != batch.dataCrc(i)) {
                    dropped++;
                    // Old state: if it was DATA, its bytes are gone (the window held a discard
                    // before this write), so the block reads zeros, the discard's outcome.
                    if (map.get(blockIndex) == BlockState.DATA) {
                        map.set(blockIndex, lowerLayers ? BlockState.ZERO : BlockState.ABSENT);
                    }
                    file.discardData(blockIndex << LayerFile.BLOCK_SHIFT, LayerFile.BLOCK_BYTES);
                    continue;
                }
            }
            map.set(blockIndex, state);
        }
        return dropped;
    }

    private static WharfException corrupt(Path mapPath, String why, Throwable cause) {
        return new WharfException(ErrorCode.DATA_DIR_INVALID, "layer map " + mapPath + " is damaged: " + why,
                "the pool is damaged; restore this replica from another replica or a backup", cause);
    }
}
