package io.wharf.backup;

import io.wharf.backup.target.BackupTarget;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Counts the non-zero 4 KiB blocks of a source image that appear, at any byte offset, in any object
 * of a target. Index: the first 8 bytes of each distinct block, sorted; every 8-byte window of every
 * object is looked up, and a hit is compared in full.
 */
final class PlaintextScan {
    private static final int BLOCK = 4096;

    private PlaintextScan() {}

    static int blocksFound(BackupTarget target, byte[] image) {
        int blocks = image.length / BLOCK;
        long[] prefixes = new long[blocks];
        int[] order = new int[blocks];
        int count = 0;
        ByteBuffer view = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int block = 0; block < blocks; block++) {
            if (!BackupRun.allZero(Arrays.copyOfRange(image, block * BLOCK, (block + 1) * BLOCK))) {
                prefixes[count] = view.getLong(block * BLOCK);
                order[count++] = block;
            }
        }
        long[][] sorted = new long[count][];
        for (int i = 0; i < count; i++) {
            sorted[i] = new long[] {prefixes[i], order[i]};
        }
        Arrays.sort(sorted, (a, b) -> Long.compare(a[0], b[0]));
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            keys[i] = sorted[i][0];
        }
        boolean[] found = new boolean[blocks];
        for (BackupTarget.ObjectInfo object : target.list("")) {
            byte[] bytes = target.get(object.key()).orElseThrow();
            ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at + BLOCK <= bytes.length; at++) {
                int hit = Arrays.binarySearch(keys, data.getLong(at));
                if (hit < 0) {
                    continue;
                }
                while (hit > 0 && keys[hit - 1] == keys[hit]) {
                    hit--;
                }
                for (; hit < count && keys[hit] == data.getLong(at); hit++) {
                    int block = (int) sorted[hit][1];
                    if (!found[block] && Arrays.equals(bytes, at, at + BLOCK, image, block * BLOCK, (block + 1) * BLOCK)) {
                        found[block] = true;
                    }
                }
            }
        }
        int total = 0;
        for (boolean f : found) {
            total += f ? 1 : 0;
        }
        return total;
    }
}
