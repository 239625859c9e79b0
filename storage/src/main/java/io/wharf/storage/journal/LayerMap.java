package io.wharf.storage.journal;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One layer's own block map (not merged with other layers), as a checkpoint holds it and replay
 * updates it: a {@link BlockState} per block, in pages of {@value #PAGE_BLOCKS} blocks allocated on
 * first use. Used at open and for tests; the live head layer keeps its map inside the extent index.
 */
public final class LayerMap {
    public static final int PAGE_BLOCKS = 1024;
    private final Map<Long, byte[]> pages = new HashMap<>();

    public int get(long block) {
        byte[] page = pages.get(block / PAGE_BLOCKS);
        return page == null ? BlockState.ABSENT : page[(int) (block % PAGE_BLOCKS)];
    }

    public void set(long block, int state) {
        assert BlockState.valid(state) : state;
        byte[] page = pages.get(block / PAGE_BLOCKS);
        if (page == null) {
            if (state == BlockState.ABSENT) {
                return;
            }
            page = new byte[PAGE_BLOCKS];
            pages.put(block / PAGE_BLOCKS, page);
        }
        page[(int) (block % PAGE_BLOCKS)] = (byte) state;
    }

    /** Installs a whole page of states (taken over, not copied). */
    public void putPage(long pageIndex, byte[] states) {
        assert states.length == PAGE_BLOCKS;
        pages.put(pageIndex, states);
    }

    /** Pages in ascending order; a page may contain only ABSENT entries. */
    public Map<Long, byte[]> pages() {
        return new TreeMap<>(pages);
    }

    public long count(int state) {
        long count = 0;
        for (byte[] page : pages.values()) {
            for (byte b : page) {
                if (b == state) {
                    count++;
                }
            }
        }
        return count;
    }
}
