package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.api.client.ApiClient;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every {@link WharfApi} method through {@link ApiClient} and {@link ApiServer}, and back. */
class ApiRoundTripTest {
    private final FakeWharfApi fake = new FakeWharfApi();
    private ApiServer server;
    private ApiClient client;

    @BeforeEach
    void start() throws Exception {
        server = new ApiServer("127.0.0.1", 0, fake, () -> "wharf_up 1\n");
        server.start();
        client = new ApiClient(URI.create("http://127.0.0.1:" + server.port()));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void createsListsGetsResizesAndDeletesAVolume() {
        VolumeInfo created = client.createVolume(new VolumeCreate("db-data", 10 * ByteSize.GIB, Map.of("app", "pg")));
        assertThat(created.name()).isEqualTo("db-data");
        assertThat(created.sizeBytes()).isEqualTo(10 * ByteSize.GIB);
        assertThat(created.labels()).containsEntry("app", "pg");
        assertThat(created.nbdUri()).isEqualTo("nbd://127.0.0.1:10809/db-data");

        assertThat(client.listVolumes()).containsExactly(created);
        assertThat(client.getVolume("db-data")).isEqualTo(created);

        VolumeInfo resized = client.resizeVolume("db-data", 20 * ByteSize.GIB);
        assertThat(resized.sizeBytes()).isEqualTo(20 * ByteSize.GIB);
        assertThat(client.getVolume("db-data").sizeBytes()).isEqualTo(20 * ByteSize.GIB);

        client.deleteVolume("db-data", false);
        assertThat(client.listVolumes()).isEmpty();
    }

    @Test
    void readsPoolsClusterAndVersion() {
        client.createVolume(new VolumeCreate("a", ByteSize.GIB, null));
        assertThat(client.listPools()).singleElement().satisfies(pool -> {
            assertThat(pool.node()).isEqualTo("node-1");
            assertThat(pool.provisionedBytes()).isEqualTo(ByteSize.GIB);
            assertThat(pool.overcommitRatio()).isEqualTo(2.0);
        });
        ClusterInfo cluster = client.clusterStatus();
        assertThat(cluster.clusterId()).isEqualTo("c-test");
        assertThat(cluster.nodes()).extracting(NodeInfo::state).containsExactly("online");
        assertThat(cluster.volumes()).isEqualTo(1);
        assertThat(client.version()).isEqualTo(new VersionInfo("0.1.0-test", "v1"));
    }

    @Test
    void refusalsComeBackWithTheSameCodeMessageAndHint() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));

        assertRefused(() -> client.createVolume(new VolumeCreate("db", ByteSize.GIB, null)), ErrorCode.VOLUME_EXISTS,
                "volume 'db' already exists", "choose another name, or delete the existing volume first");
        assertRefused(() -> client.getVolume("nope"), ErrorCode.VOLUME_NOT_FOUND, "volume 'nope' does not exist",
                "list volumes with `wharf volume list`");
        assertRefused(() -> client.resizeVolume("db", ByteSize.GIB), ErrorCode.SHRINK_NOT_SUPPORTED,
                "volume 'db' is 10 GiB; shrinking is not supported", "give a size of at least 10 GiB");
        assertRefused(() -> client.createVolume(new VolumeCreate("Bad_Name", ByteSize.GIB, null)),
                ErrorCode.INVALID_NAME, "volume name 'Bad_Name' is not valid", null);
        assertRefused(() -> client.createVolume(new VolumeCreate("huge", 1000 * ByteSize.GIB, null)),
                ErrorCode.CAPACITY_EXCEEDED, "no pool can take 1000 GiB", "delete volumes or add a node");
    }

    @Test
    void deleteOfAVolumeInUseNeedsForce() {
        client.createVolume(new VolumeCreate("busy", ByteSize.GIB, null));
        fake.setClients("busy", 1);
        assertRefused(() -> client.deleteVolume("busy", false), ErrorCode.VOLUME_IN_USE,
                "volume 'busy' has 1 NBD client(s) connected", null);
        client.deleteVolume("busy", true);
        assertRefused(() -> client.getVolume("busy"), ErrorCode.VOLUME_NOT_FOUND, "volume 'busy' does not exist", null);
    }

    @Test
    void snapshotsAreCreatedListedGotAndDeleted() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));
        client.createVolume(new VolumeCreate("logs", ByteSize.GIB, null));

        SnapshotInfo named = client.createSnapshot("db", "s1");
        assertThat(named).isEqualTo(new SnapshotInfo("db", "s1", named.id(), "2025-11-28T00:00:00Z",
                10 * ByteSize.GIB, 0, "nbd://127.0.0.1:10809/db@s1", SnapshotInfo.READY, List.of("node-1")));
        SnapshotInfo generated = client.createSnapshot("db", null);
        assertThat(generated.name()).startsWith("snap-");
        SnapshotInfo other = client.createSnapshot("logs", "daily-1");

        assertThat(client.listSnapshots("db")).containsExactly(named, generated);
        assertThat(client.listSnapshots("logs")).containsExactly(other);
        assertThat(client.listSnapshots(null)).containsExactly(named, generated, other);
        assertThat(client.getSnapshot("db", "s1")).isEqualTo(named);
        assertThat(client.getVolume("db").snapshots()).isEqualTo(2);
        assertThat(client.listVolumes()).extracting(VolumeInfo::snapshots).containsExactly(2, 1);

        client.deleteSnapshot("db", "s1");
        assertThat(client.listSnapshots("db")).containsExactly(generated);
        assertThat(client.getVolume("db").snapshots()).isEqualTo(1);
    }

    @Test
    void clonesFromASnapshotOrTheCurrentStateAndReverts() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));
        client.createSnapshot("db", "s1");
        client.resizeVolume("db", 20 * ByteSize.GIB);

        VolumeInfo fromSnapshot = client.cloneVolume("db", "s1", "db-copy", Map.of("env", "test"));
        assertThat(fromSnapshot.name()).isEqualTo("db-copy");
        assertThat(fromSnapshot.source()).isEqualTo("db@s1");
        assertThat(fromSnapshot.sizeBytes()).isEqualTo(10 * ByteSize.GIB);
        assertThat(fromSnapshot.labels()).containsExactly(Map.entry("env", "test"));
        assertThat(client.getVolume("db-copy")).isEqualTo(fromSnapshot);

        VolumeInfo fromCurrent = client.cloneVolume("db", null, "db-now", null);
        assertThat(fromCurrent.source()).isEqualTo("db");
        assertThat(fromCurrent.sizeBytes()).isEqualTo(20 * ByteSize.GIB);
        assertThat(fromCurrent.labels()).isEmpty();
        assertThat(client.getVolume("db").source()).isNull();

        VolumeInfo reverted = client.revertVolume("db", "s1", false);
        assertThat(reverted.sizeBytes()).isEqualTo(10 * ByteSize.GIB);
        assertThat(reverted.snapshots()).isEqualTo(1);
    }

    @Test
    void snapshotRefusalsComeBackWithTheSameCodeMessageAndHint() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));
        client.createSnapshot("db", "s1");

        assertRefused(() -> client.createSnapshot("db", "s1"), ErrorCode.SNAPSHOT_EXISTS,
                "snapshot 'db@s1' already exists", "choose another name, or delete the existing snapshot first");
        assertRefused(() -> client.createSnapshot("nope", "s1"), ErrorCode.VOLUME_NOT_FOUND,
                "volume 'nope' does not exist", null);
        assertRefused(() -> client.createSnapshot("db", "Bad@Name"), ErrorCode.INVALID_NAME,
                "snapshot name 'Bad@Name' is not valid", null);
        assertRefused(() -> client.getSnapshot("db", "s9"), ErrorCode.SNAPSHOT_NOT_FOUND,
                "snapshot 'db@s9' does not exist", "list the volume's snapshots with `wharf snapshot list db`");
        assertRefused(() -> client.deleteSnapshot("db", "s9"), ErrorCode.SNAPSHOT_NOT_FOUND,
                "snapshot 'db@s9' does not exist", null);
        assertRefused(() -> client.listSnapshots("nope"), ErrorCode.VOLUME_NOT_FOUND,
                "volume 'nope' does not exist", null);
        assertRefused(() -> client.cloneVolume("db", "s9", "copy", null), ErrorCode.SNAPSHOT_NOT_FOUND,
                "snapshot 'db@s9' does not exist", null);
        assertRefused(() -> client.cloneVolume("db", "s1", "db", null), ErrorCode.VOLUME_EXISTS,
                "volume 'db' already exists", null);
        assertRefused(() -> client.revertVolume("db", "s9", false), ErrorCode.SNAPSHOT_NOT_FOUND,
                "snapshot 'db@s9' does not exist", null);

        client.createSnapshot("db", "s2");
        client.createSnapshot("db", "s3");
        assertRefused(() -> client.createSnapshot("db", "s4"), ErrorCode.SNAPSHOT_LIMIT,
                "volume 'db' already has 3 snapshots, the most it may have", "delete snapshots you no longer need");
    }

    @Test
    void aGroupSnapshotTakesOneSnapshotPerVolumeNamedAfterTheGroup() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));
        client.createVolume(new VolumeCreate("logs", ByteSize.GIB, null));

        List<SnapshotInfo> taken = client.createGroupSnapshot("g1", List.of("logs", "db"));
        assertThat(taken).extracting(SnapshotInfo::volume).containsExactly("logs", "db");
        assertThat(taken).extracting(SnapshotInfo::name).containsOnly("g1");
        assertThat(taken.get(1)).isEqualTo(new SnapshotInfo("db", "g1", taken.get(1).id(), "2025-11-28T00:00:00Z",
                10 * ByteSize.GIB, 0, "nbd://127.0.0.1:10809/db@g1", SnapshotInfo.READY, List.of("node-1")));
        assertThat(client.getSnapshot("logs", "g1")).isEqualTo(taken.get(0));
        assertThat(client.listSnapshots(null)).containsExactlyInAnyOrderElementsOf(taken);

        assertThat(client.createGroupSnapshot("solo", List.of("db"))).singleElement()
                .satisfies(s -> assertThat(s.volume() + "@" + s.name()).isEqualTo("db@solo"));
    }

    @Test
    void groupSnapshotRefusalsComeBackAndLeaveNoSnapshotOfTheGroup() {
        client.createVolume(new VolumeCreate("a", ByteSize.GIB, null));
        client.createVolume(new VolumeCreate("b", ByteSize.GIB, null));
        client.createSnapshot("b", "g1");

        assertRefused(() -> client.createGroupSnapshot("g2", List.of("a", "b", "a")), ErrorCode.INVALID_ARGUMENT,
                "volume 'a' is listed more than once in group snapshot 'g2'",
                "list each volume once; each gets exactly one snapshot, named a@g2");
        assertRefused(() -> client.createGroupSnapshot("g2", List.of()), ErrorCode.INVALID_ARGUMENT,
                "group snapshot 'g2' names no volumes; it needs at least one", null);
        assertRefused(() -> client.createGroupSnapshot("g1", List.of("a", "b")), ErrorCode.SNAPSHOT_EXISTS,
                "snapshot 'b@g1' already exists", "choose another group name, or delete the existing snapshot first");
        assertRefused(() -> client.createGroupSnapshot("g3", List.of("a", "nope")), ErrorCode.VOLUME_NOT_FOUND,
                "volume 'nope' does not exist", "list volumes with `wharf volume list`");
        assertRefused(() -> client.createGroupSnapshot("Bad_Group", List.of("a")), ErrorCode.INVALID_NAME,
                "group name 'Bad_Group' is not valid", null);

        client.createSnapshot("b", "s2");
        client.createSnapshot("b", "s3");
        assertRefused(() -> client.createGroupSnapshot("g4", List.of("a", "b")), ErrorCode.SNAPSHOT_LIMIT,
                "volume 'b' already has 3 snapshots, the most it may have", "delete snapshots you no longer need");

        // all or nothing: none of the refused groups left a snapshot on 'a'
        assertThat(client.listSnapshots("a")).isEmpty();
        assertThat(client.listSnapshots("b")).extracting(SnapshotInfo::name).containsExactly("g1", "s2", "s3");
    }

    @Test
    void revertOfAVolumeInUseNeedsForce() {
        client.createVolume(new VolumeCreate("busy", ByteSize.GIB, null));
        client.createSnapshot("busy", "s1");
        fake.setClients("busy", 2);
        assertRefused(() -> client.revertVolume("busy", "s1", false), ErrorCode.VOLUME_IN_USE,
                "volume 'busy' has 2 NBD client(s) connected",
                "disconnect them (`wharf volume unmount`), or revert with --force");
        VolumeInfo reverted = client.revertVolume("busy", "s1", true);
        assertThat(reverted.clients()).isZero();
    }

    @Test
    void updateSetsAndClearsAScheduleOrAPolicyAndResizeStaysAsItWas() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));
        assertThat(client.getVolume("db").snapshotSchedule()).isNull();
        assertThat(client.getVolume("db").schedulePolicy()).isNull();

        VolumeInfo scheduled = client.updateVolume("db", new VolumeUpdate("periodic=60m,keep=5", null));
        assertThat(scheduled.snapshotSchedule()).isEqualTo("periodic=60m,keep=5");
        assertThat(scheduled.schedulePolicy()).isNull();
        assertThat(client.getVolume("db")).isEqualTo(scheduled);

        // a resize leaves the schedule alone, an update leaves the size alone
        assertThat(client.resizeVolume("db", 20 * ByteSize.GIB).snapshotSchedule()).isEqualTo("periodic=60m,keep=5");

        PolicyInfo nightly = client.createPolicy("nightly", "daily=02:00,keep=7");
        assertThat(nightly).isEqualTo(new PolicyInfo("nightly", "daily=02:00,keep=7", 0, "2025-11-29T00:00:00Z"));
        VolumeInfo following = client.updateVolume("db", new VolumeUpdate(null, "nightly"));
        assertThat(following.schedulePolicy()).isEqualTo("nightly");
        assertThat(following.snapshotSchedule()).isNull();
        assertThat(following.sizeBytes()).isEqualTo(20 * ByteSize.GIB);
        assertThat(client.getPolicy("nightly").volumes()).isEqualTo(1);

        VolumeInfo cleared = client.updateVolume("db", new VolumeUpdate(null, ""));
        assertThat(cleared.schedulePolicy()).isNull();
        assertThat(cleared.snapshotSchedule()).isNull();
        assertThat(client.getPolicy("nightly").volumes()).isZero();
    }

    @Test
    void policiesAreCreatedListedGotAndDeleted() {
        PolicyInfo b = client.createPolicy("b-hourly", "periodic=60m,keep=5");
        PolicyInfo a = client.createPolicy("a-nightly", "daily=02:00,keep=7");
        assertThat(client.listPolicies()).containsExactly(a, b);
        assertThat(client.getPolicy("b-hourly")).isEqualTo(b);
        client.deletePolicy("a-nightly");
        assertThat(client.listPolicies()).containsExactly(b);
        client.deletePolicy("b-hourly");
        assertThat(client.listPolicies()).isEmpty();
    }

    @Test
    void policyAndUpdateRefusalsComeBackWithTheSameCodeMessageAndHint() {
        client.createVolume(new VolumeCreate("db", ByteSize.GIB, null));
        client.createPolicy("nightly", "daily=02:00,keep=7");

        assertRefused(() -> client.createPolicy("nightly", "daily=03:00"), ErrorCode.POLICY_EXISTS,
                "policy 'nightly' already exists", "choose another name, or delete the existing policy first");
        assertRefused(() -> client.createPolicy("Bad_Name", "daily=03:00"), ErrorCode.INVALID_NAME,
                "policy name 'Bad_Name' is not valid", null);
        assertRefused(() -> client.createPolicy("weekly", "whenever"), ErrorCode.INVALID_ARGUMENT,
                "schedule 'whenever' is not valid", "write a schedule like periodic=60m,keep=5 or daily=02:00,keep=7");
        assertRefused(() -> client.getPolicy("nope"), ErrorCode.POLICY_NOT_FOUND, "policy 'nope' does not exist",
                "list policies with `wharf policy list`");
        assertRefused(() -> client.deletePolicy("nope"), ErrorCode.POLICY_NOT_FOUND, "policy 'nope' does not exist",
                null);
        assertRefused(() -> client.updateVolume("db", new VolumeUpdate(null, "nope")), ErrorCode.POLICY_NOT_FOUND,
                "policy 'nope' does not exist", null);
        assertRefused(() -> client.updateVolume("nope", new VolumeUpdate("daily=02:00", null)),
                ErrorCode.VOLUME_NOT_FOUND, "volume 'nope' does not exist", null);
        assertRefused(() -> client.updateVolume("db", new VolumeUpdate(null, null)), ErrorCode.INVALID_ARGUMENT,
                "request body changes nothing; give at least one of sizeBytes, snapshotSchedule, schedulePolicy, repl",
                null);

        client.updateVolume("db", new VolumeUpdate(null, "nightly"));
        assertRefused(() -> client.deletePolicy("nightly"), ErrorCode.POLICY_IN_USE,
                "policy 'nightly' is used by 1 volume(s)", null);
        assertThat(client.getPolicy("nightly").volumes()).isEqualTo(1);
    }

    @Test
    void namesAreEncodedInThePath() {
        client.createVolume(new VolumeCreate("db", ByteSize.GIB, null));
        assertRefused(() -> client.getSnapshot("db", "a/b c"), ErrorCode.SNAPSHOT_NOT_FOUND,
                "snapshot 'db@a/b c' does not exist", null);
        assertRefused(() -> client.getSnapshot("d b", "x"), ErrorCode.VOLUME_NOT_FOUND,
                "volume 'd b' does not exist", null);
    }

    @Test
    void anInternalErrorReachesTheClientAsInternalWithAReportId() {
        fake.failNext(new IllegalStateException("secret detail"));
        assertThatThrownBy(() -> client.listVolumes())
                .isInstanceOfSatisfying(WharfException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                    assertThat(e.getMessage()).matches("internal error \\(report id [0-9a-f]{8}\\)");
                    assertThat(e.getMessage()).doesNotContain("secret detail");
                });
    }

    static void assertRefused(Runnable call, ErrorCode code, String message, String hint) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(WharfException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).isEqualTo(message);
            if (hint != null) {
                assertThat(e.hint()).isEqualTo(hint);
            }
        });
    }
}
