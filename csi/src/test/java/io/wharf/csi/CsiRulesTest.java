package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.csi.controller.StorageClassParameters;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure rules: id mapping, parameters, the error table, the in-flight guard, endpoints. No node needed. */
class CsiRulesTest {

    @Test
    void namesMapToWharfNamesDeterministically() {
        assertThat(CsiIds.volumeName("pvc-0b8c1c2e-4d0f-4c55-9d3e-6f1a2b3c4d5e"))
                .isEqualTo("pvc-0b8c1c2e-4d0f-4c55-9d3e-6f1a2b3c4d5e");
        String odd = CsiIds.volumeName("Sanity Volume/1");
        assertThat(odd).startsWith("csi-").hasSize(44).isEqualTo(CsiIds.volumeName("Sanity Volume/1"));
        assertThat(CsiIds.volumeName("Sanity Volume/2")).isNotEqualTo(odd);
        assertThat(CsiIds.snapshotName("snapshot-1")).isEqualTo("csi-snapshot-1");
        assertThat(CsiIds.snapshotName("x".repeat(100))).startsWith("csi-").hasSize(44);
        assertThat(CsiIds.parseSnapshotId("vol@csi-snap")).hasValueSatisfying(p -> assertThat(p).containsExactly("vol", "csi-snap"));
        assertThat(CsiIds.parseSnapshotId("vol")).isEmpty();
        assertThat(CsiIds.parseSnapshotId("@snap")).isEmpty();
        assertThat(CsiIds.parseSnapshotId("a@b@c")).isEmpty();
        assertThat(CsiIds.parseSnapshotId("Vol@snap")).isEmpty();
    }

    @Test
    void parametersHaveAStableFingerprint() {
        StorageClassParameters a = StorageClassParameters.parse(Map.of("fs", "xfs", "io_profile", "db",
                "csi.storage.k8s.io/pvc/name", "one"));
        StorageClassParameters b = StorageClassParameters.parse(Map.of("io_profile", "db", "fs", "xfs",
                "csi.storage.k8s.io/pvc/name", "two"));
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
        assertThat(StorageClassParameters.parse(Map.of("fs", "ext4")).fingerprint()).isNotEqualTo(a.fingerprint());
        assertThat(a.volumeLabels()).containsEntry("wharf.io/io-profile", "db")
                .containsEntry(StorageClassParameters.FINGERPRINT_LABEL, a.fingerprint());
        StorageClassParameters full = StorageClassParameters.parse(Map.of("zones", "zone-a, zone-b",
                "labels", "app=pg, tier=gold", "snapshot_schedule", " daily=02:00,keep=7 ", "repl", "1"));
        assertThat(full.zones()).containsExactly("zone-a", "zone-b");
        assertThat(full.labels()).containsEntry("app", "pg").containsEntry("tier", "gold");
        assertThat(full.snapshotSchedule()).isEqualTo("daily=02:00,keep=7");
    }

    @Test
    void everyWharfCodeHasACsiCodeAndRefusalsKeepTheirHint() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(CsiErrors.code(code)).as(code.name()).isNotNull().isNotEqualTo(Status.Code.OK);
        }
        assertThat(CsiErrors.code(ErrorCode.VOLUME_NOT_FOUND)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(CsiErrors.code(ErrorCode.VOLUME_EXISTS)).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(CsiErrors.code(ErrorCode.CAPACITY_EXCEEDED)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(CsiErrors.code(ErrorCode.SHRINK_NOT_SUPPORTED)).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(CsiErrors.code(ErrorCode.VOLUME_ATTACHED)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        StatusRuntimeException status = CsiErrors.of(new WharfException(ErrorCode.NO_SPACE, "pool is full", "add disks"));
        assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getStatus().getDescription()).isEqualTo("pool is full (add disks)");
    }

    @Test
    void oneOperationPerKeyAtATime() {
        OperationLocks locks = new OperationLocks();
        try (OperationLocks.Held _ = locks.acquire("volume/a")) {
            assertThatThrownBy(() -> locks.acquire("volume/a")).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
            assertThatThrownBy(() -> locks.acquire("volume/b", "volume/a")).isInstanceOf(StatusRuntimeException.class);
            locks.acquire("volume/b").close(); // b was released when a was refused
        }
        locks.acquire("volume/a").close();
    }

    @Test
    void endpointsAreUnixSockets() {
        assertThat(CsiConfig.parseEndpoint("unix:///csi/csi.sock")).isEqualTo(Path.of("/csi/csi.sock"));
        assertThat(CsiConfig.parseEndpoint("unix:/csi/csi.sock")).isEqualTo(Path.of("/csi/csi.sock"));
        assertThatThrownBy(() -> CsiConfig.parseEndpoint("tcp://127.0.0.1:10000")).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> CsiConfig.parseEndpoint(null)).isInstanceOf(WharfException.class);
    }
}
