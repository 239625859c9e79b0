package io.wharf.storage.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MapCheckpointTest {
    @Test
    void roundTripsMixedFullAndZeroPages() throws IOException {
        LayerMap map = new LayerMap();
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 3000; i++) {
            map.set(random.nextLong(50_000_000L), 1 + random.nextInt(2));
        }
        for (long b = 1024 * 7; b < 1024 * 9; b++) {
            map.set(b, BlockState.DATA); // two all-DATA pages
        }
        for (long b = 1024 * 20; b < 1024 * 21; b++) {
            map.set(b, BlockState.ZERO); // one all-ZERO page
        }
        map.set(5, BlockState.DATA);
        map.set(5, BlockState.ABSENT); // a page that ends up all absent is left out
        UUID layer = UUID.randomUUID();
        MapCheckpoint.Header header = new MapCheckpoint.Header(layer, 9, 1234);
        byte[] encoded = MapCheckpoint.encode(header, sink -> map.pages().forEach(sink::page));
        MapCheckpoint.Loaded loaded = MapCheckpoint.decode(encoded, "test");
        assertThat(loaded.header()).isEqualTo(header);
        Map<Long, byte[]> loadedPages = loaded.map().pages();
        for (Map.Entry<Long, byte[]> page : map.pages().entrySet()) {
            boolean allAbsent = true;
            for (byte state : page.getValue()) {
                allAbsent &= state == BlockState.ABSENT;
            }
            byte[] back = loadedPages.get(page.getKey());
            if (allAbsent) {
                assertThat(back).isNull();
            } else {
                assertThat(back).isEqualTo(page.getValue());
            }
        }
        assertThat(loaded.map().count(BlockState.DATA)).isEqualTo(map.count(BlockState.DATA));
    }

    @Test
    void anyDamageIsDetected() throws IOException {
        LayerMap map = new LayerMap();
        map.set(3, BlockState.DATA);
        map.set(70_000, BlockState.ZERO);
        byte[] encoded = MapCheckpoint.encode(new MapCheckpoint.Header(UUID.randomUUID(), 1, 1),
                sink -> map.pages().forEach(sink::page));
        for (int i = 0; i < encoded.length; i++) {
            byte[] damaged = encoded.clone();
            damaged[i] ^= 0x40;
            int at = i;
            assertThatThrownBy(() -> MapCheckpoint.decode(damaged, "test")).as("byte %d", at)
                    .isInstanceOf(MapCheckpoint.CorruptCheckpointException.class);
        }
        assertThatThrownBy(() -> MapCheckpoint.decode(Arrays.copyOf(encoded, encoded.length - 1), "test"))
                .isInstanceOf(MapCheckpoint.CorruptCheckpointException.class);
    }
}
