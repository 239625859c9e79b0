package io.wharf.simulator.disk;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The bytes of one simulated file, in 4 KiB pages: what reads see now (the page cache), what is
 * durable, and for each page the versions written since the last sync. Pages are immutable arrays
 * (a write copies), so keeping versions costs only the pages written.
 *
 * <p>The device model: a 4 KiB page is written atomically (the storage engine's documented
 * assumption); anything else about unsynced writes is up to chance at a power loss: each page
 * written since the last sync comes back as its durable version or as any version written since,
 * independently of the other pages, so multi-page writes tear and writes reorder.
 */
final class SimFile {
    static final int PAGE = 4096;
    private static final byte[] ZEROS = new byte[PAGE];

    final long sequence;
    private final Map<Long, byte[]> current = new HashMap<>();
    private final Map<Long, byte[]> durable = new HashMap<>();
    private final TreeMap<Long, List<byte[]>> unsynced = new TreeMap<>();
    private long size;

    SimFile(long sequence) {
        this.sequence = sequence;
    }

    long size() {
        return size;
    }

    void truncate(long newSize) {
        if (newSize < size) {
            size = newSize; // only shrinking matters; the layer store never does it
        }
    }

    int read(ByteBuffer dst, long position) {
        if (position >= size) {
            return -1;
        }
        int total = (int) Math.min(dst.remaining(), size - position);
        int done = 0;
        while (done < total) {
            long at = position + done;
            long page = at / PAGE;
            int inPage = (int) (at % PAGE);
            int n = Math.min(total - done, PAGE - inPage);
            byte[] bytes = current.getOrDefault(page, ZEROS);
            dst.put(bytes, inPage, n);
            done += n;
        }
        return total;
    }

    int write(ByteBuffer src, long position) {
        int total = src.remaining();
        int done = 0;
        while (done < total) {
            long at = position + done;
            long page = at / PAGE;
            int inPage = (int) (at % PAGE);
            int n = Math.min(total - done, PAGE - inPage);
            byte[] next = current.getOrDefault(page, ZEROS).clone();
            src.get(next, inPage, n);
            current.put(page, next);
            unsynced.computeIfAbsent(page, _ -> new ArrayList<>(2)).add(next);
            done += n;
        }
        size = Math.max(size, position + total);
        return total;
    }

    void sync() {
        for (Long page : unsynced.keySet()) {
            durable.put(page, current.get(page));
        }
        unsynced.clear();
    }

    int unsyncedPages() {
        return unsynced.size();
    }

    /** Power loss: each unsynced page becomes one of its versions (the durable one included). */
    void powerLoss(SplittableRandom random) {
        for (Map.Entry<Long, List<byte[]>> entry : unsynced.entrySet()) {
            List<byte[]> versions = entry.getValue();
            int choice = switch (random.nextInt(3)) {
                case 0 -> versions.size(); // the newest
                case 1 -> 0; // none of them: the durable version
                default -> random.nextInt(versions.size() + 1);
            };
            Long page = entry.getKey();
            byte[] chosen = choice == 0 ? durable.get(page) : versions.get(choice - 1);
            if (chosen == null) {
                current.remove(page);
                durable.remove(page);
            } else {
                current.put(page, chosen);
                durable.put(page, chosen);
            }
        }
        unsynced.clear();
    }
}
