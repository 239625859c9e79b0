package io.wharf.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.Clock;
import io.wharf.metadata.embedded.EmbeddedStore;
import io.wharf.metadata.embedded.EmbeddedStoreConfig;
import io.wharf.metadata.model.SnapshotRecord;
import io.wharf.metadata.model.VolumeState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot records' conditional writes on a real (embedded) store: a group's records turn ready
 * only while every CREATING record is as written, and an undo drops only records still as written.
 */
class VolumeCatalogTest {
    @TempDir
    Path dir;

    private EmbeddedStore store;
    private VolumeCatalog catalog;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir), Clock.SYSTEM);
        catalog = new VolumeCatalog(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static SnapshotRecord creating(String volume, String storageId) {
        return SnapshotRecord.of(volume, "cut", storageId, 1 << 20, VolumeState.CREATING, Instant.parse("2026-11-27T18:00:00Z"));
    }

    @Test
    void aGroupTurnsReadyOnlyWhileEveryCreatingRecordIsAsWritten() {
        List<SnapshotRecord> group = List.of(creating("data", "s1"), creating("log", "s2"));
        catalog.putAll(group);
        List<SnapshotRecord> ready = group.stream().map(r -> r.withState(VolumeState.READY).withNodes(List.of("node-a", "node-b"))).toList();

        catalog.deleteSnapshot("log", "cut"); // a new target of "log" undid its part
        assertThat(catalog.putAllIfStill(group, ready)).isFalse();
        assertThat(catalog.snapshot("data", "cut")).contains(group.get(0));
        assertThat(catalog.snapshot("log", "cut")).isEmpty();

        catalog.put(group.get(1));
        assertThat(catalog.putAllIfStill(group, ready)).isTrue();
        assertThat(catalog.snapshot("data", "cut")).contains(ready.get(0));
        assertThat(catalog.snapshot("log", "cut")).contains(ready.get(1));
    }

    @Test
    void anUndoDropsOnlyARecordStillAsWritten() {
        SnapshotRecord ours = creating("data", "s1");
        catalog.put(ours);
        SnapshotRecord theirs = creating("data", "s9"); // undone by a new target, then taken again under the same name
        catalog.put(theirs);
        catalog.deleteIfStill(ours);
        assertThat(catalog.snapshot("data", "cut")).contains(theirs);

        catalog.deleteIfStill(theirs);
        assertThat(catalog.snapshot("data", "cut")).isEmpty();
    }
}
