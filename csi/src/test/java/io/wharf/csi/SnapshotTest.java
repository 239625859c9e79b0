package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;

import csi.v1.Csi;
import io.grpc.Status.Code;
import io.wharf.api.VolumeInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CreateSnapshot, DeleteSnapshot, ListSnapshots and volumes from a snapshot or a volume: csi-sanity's snapshot groups. */
class SnapshotTest extends CsiTestBase {

    static Csi.Snapshot snapshot(String name, String source) {
        return csi.controller().createSnapshot(Csi.CreateSnapshotRequest.newBuilder().setName(name)
                .setSourceVolumeId(source).build()).getSnapshot();
    }

    @Test
    void createSnapshotValidatesAndIsIdempotent() {
        createVolume("pvc-snap-a", 64 * MIB);
        createVolume("pvc-snap-b", 64 * MIB);
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createSnapshot(Csi.CreateSnapshotRequest.newBuilder()
                .setSourceVolumeId("pvc-snap-a").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createSnapshot(Csi.CreateSnapshotRequest.newBuilder()
                .setName("snapshot-1").build()));
        assertCode(Code.NOT_FOUND, () -> snapshot("snapshot-1", "pvc-none"));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createSnapshot(Csi.CreateSnapshotRequest.newBuilder()
                .setName("snapshot-1").setSourceVolumeId("pvc-snap-a").putParameters("bogus", "1").build()));
        Csi.Snapshot first = snapshot("snapshot-1", "pvc-snap-a");
        assertThat(first.getSnapshotId()).isEqualTo("pvc-snap-a@csi-snapshot-1");
        assertThat(first.getSourceVolumeId()).isEqualTo("pvc-snap-a");
        assertThat(first.getSizeBytes()).isEqualTo(64 * MIB);
        assertThat(first.getReadyToUse()).isTrue();
        assertThat(first.getCreationTime().getSeconds()).isPositive();
        assertThat(snapshot("snapshot-1", "pvc-snap-a")).isEqualTo(first);
        assertCode(Code.ALREADY_EXISTS, () -> snapshot("snapshot-1", "pvc-snap-b"));
        String longest = "CreateSnapshot-snapshot-maxlen-" + "y".repeat(128 - 31);
        assertThat(longest).hasSize(128);
        assertThat(snapshot(longest, "pvc-snap-b")).isEqualTo(snapshot(longest, "pvc-snap-b"));
        Csi.Snapshot odd = snapshot("Snapshot With Spaces", "pvc-snap-b");
        assertThat(snapshot("Snapshot With Spaces", "pvc-snap-b").getSnapshotId()).isEqualTo(odd.getSnapshotId());
    }

    @Test
    void listSnapshotsFiltersAndPaginates() {
        createVolume("pvc-ls-a", 64 * MIB);
        createVolume("pvc-ls-b", 64 * MIB);
        Csi.Snapshot a1 = snapshot("a1", "pvc-ls-a");
        snapshot("a2", "pvc-ls-a");
        Csi.Snapshot b1 = snapshot("b1", "pvc-ls-b");
        assertThat(list(Csi.ListSnapshotsRequest.getDefaultInstance())).hasSize(3);
        assertThat(list(Csi.ListSnapshotsRequest.newBuilder().setSnapshotId(a1.getSnapshotId()).build()))
                .containsExactly(a1.getSnapshotId());
        assertThat(list(Csi.ListSnapshotsRequest.newBuilder().setSourceVolumeId("pvc-ls-b").build()))
                .containsExactly(b1.getSnapshotId());
        assertThat(list(Csi.ListSnapshotsRequest.newBuilder().setSnapshotId(a1.getSnapshotId())
                .setSourceVolumeId("pvc-ls-b").build())).isEmpty();
        assertThat(list(Csi.ListSnapshotsRequest.newBuilder().setSnapshotId("pvc-ls-a@csi-none").build())).isEmpty();
        assertThat(list(Csi.ListSnapshotsRequest.newBuilder().setSnapshotId("not an id").build())).isEmpty();
        assertThat(list(Csi.ListSnapshotsRequest.newBuilder().setSourceVolumeId("pvc-none").build())).isEmpty();
        List<String> paged = new ArrayList<>();
        String token = "";
        do {
            Csi.ListSnapshotsResponse page = csi.controller().listSnapshots(Csi.ListSnapshotsRequest.newBuilder()
                    .setMaxEntries(1).setStartingToken(token).build());
            assertThat(page.getEntriesCount()).isEqualTo(1);
            paged.add(page.getEntries(0).getSnapshot().getSnapshotId());
            token = page.getNextToken();
        } while (!token.isEmpty());
        assertThat(paged).isEqualTo(list(Csi.ListSnapshotsRequest.getDefaultInstance()));
        assertCode(Code.ABORTED, () -> csi.controller().listSnapshots(Csi.ListSnapshotsRequest.newBuilder()
                .setStartingToken("x").build()));
    }

    private static List<String> list(Csi.ListSnapshotsRequest request) {
        return csi.controller().listSnapshots(request).getEntriesList().stream()
                .map(e -> e.getSnapshot().getSnapshotId()).toList();
    }

    @Test
    void deleteSnapshotIsIdempotent() {
        createVolume("pvc-del-snap", 64 * MIB);
        Csi.Snapshot snapshot = snapshot("gone", "pvc-del-snap");
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().deleteSnapshot(Csi.DeleteSnapshotRequest.getDefaultInstance()));
        for (String id : List.of(snapshot.getSnapshotId(), snapshot.getSnapshotId(), "pvc-none@csi-x", "garbage")) {
            csi.controller().deleteSnapshot(Csi.DeleteSnapshotRequest.newBuilder().setSnapshotId(id).build());
        }
        assertThat(csi.api.listSnapshots("pvc-del-snap")).isEmpty();
    }

    @Test
    void volumeWithSnapshotsIsNotDeleted() {
        createVolume("pvc-keeps", 64 * MIB);
        Csi.Snapshot snapshot = snapshot("keep", "pvc-keeps");
        assertCode(Code.FAILED_PRECONDITION, () -> csi.controller().deleteVolume(
                Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-keeps").build()));
        csi.controller().deleteSnapshot(Csi.DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshot.getSnapshotId()).build());
        csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-keeps").build());
    }

    @Test
    void volumesFromSnapshotsAndVolumes() {
        createVolume("pvc-origin", 64 * MIB);
        Csi.Snapshot snapshot = snapshot("origin-1", "pvc-origin");
        Csi.VolumeContentSource fromSnapshot = Csi.VolumeContentSource.newBuilder().setSnapshot(
                Csi.VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(snapshot.getSnapshotId())).build();
        Csi.VolumeContentSource fromVolume = Csi.VolumeContentSource.newBuilder().setVolume(
                Csi.VolumeContentSource.VolumeSource.newBuilder().setVolumeId("pvc-origin")).build();
        Csi.CreateVolumeRequest restore = Csi.CreateVolumeRequest.newBuilder().setName("pvc-restored")
                .addVolumeCapabilities(mountCapability()).setCapacityRange(range(128 * MIB, 0))
                .setVolumeContentSource(fromSnapshot).build();
        Csi.Volume restored = csi.controller().createVolume(restore).getVolume();
        assertThat(restored.getContentSource()).isEqualTo(fromSnapshot);
        assertThat(restored.getCapacityBytes()).isEqualTo(128 * MIB);
        assertThat(csi.controller().createVolume(restore).getVolume()).isEqualTo(restored);
        VolumeInfo info = csi.api.getVolume("pvc-restored");
        assertThat(info.source()).isEqualTo("pvc-origin@csi-origin-1");
        assertCode(Code.ALREADY_EXISTS, () -> csi.controller().createVolume(restore.toBuilder()
                .setVolumeContentSource(fromVolume).build()));

        Csi.Volume clone = csi.controller().createVolume(restore.toBuilder().setName("pvc-clone")
                .clearCapacityRange().setVolumeContentSource(fromVolume).build()).getVolume();
        assertThat(clone.getCapacityBytes()).isEqualTo(64 * MIB);
        assertThat(csi.api.getVolume("pvc-clone").source()).isEqualTo("pvc-origin");

        assertCode(Code.OUT_OF_RANGE, () -> csi.controller().createVolume(restore.toBuilder().setName("pvc-small")
                .setCapacityRange(range(0, 32 * MIB)).build()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().createVolume(restore.toBuilder().setName("pvc-lost")
                .setVolumeContentSource(Csi.VolumeContentSource.newBuilder().setSnapshot(
                        Csi.VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId("pvc-origin@csi-none"))).build()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().createVolume(restore.toBuilder().setName("pvc-lost")
                .setVolumeContentSource(Csi.VolumeContentSource.newBuilder().setVolume(
                        Csi.VolumeContentSource.VolumeSource.newBuilder().setVolumeId("pvc-none"))).build()));
        // a clone does not depend on its source: the snapshot can go, then the source
        csi.controller().deleteSnapshot(Csi.DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshot.getSnapshotId()).build());
        csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-origin").build());
        assertThat(csi.api.getVolume("pvc-restored").sizeBytes()).isEqualTo(128 * MIB);
    }
}
