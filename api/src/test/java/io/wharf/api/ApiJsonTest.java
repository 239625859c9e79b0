package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiJsonTest {
    @Test
    void readsWhatANewerNodeWritesAndWidensIntegersToDoubles() throws Exception {
        PoolInfo pool = ApiJson.reader().readValue("""
                {"node":"n1","path":"/p","capacityBytes":10,"usedBytes":1,"provisionedBytes":2,
                 "overcommitRatio":2,"volumes":1,"tier":"ssd"}""", PoolInfo.class);
        assertThat(pool.overcommitRatio()).isEqualTo(2.0);
        assertThat(pool.node()).isEqualTo("n1");
    }

    @Test
    void writesLabelsSortedByKey() throws Exception {
        String json = ApiJson.writer().writeValueAsString(new VolumeCreate("db", 4096,
                Map.of("zone", "a", "app", "pg", "tier", "db")));
        assertThat(json).isEqualTo("{\"name\":\"db\",\"sizeBytes\":4096,\"labels\":{\"app\":\"pg\",\"tier\":\"db\",\"zone\":\"a\"},"
                + "\"snapshotSchedule\":null,\"schedulePolicy\":null,\"nodes\":[],\"zones\":[],\"nodeSelector\":{},\"repl\":1}");
    }

    @Test
    void roundTripsEveryRecord() throws Exception {
        VolumeInfo volume = new VolumeInfo("db", "vol-1", 4096, Map.of("a", "b"), "in-use", 512,
                "nbd://127.0.0.1:10809/db", 1, "node-1", "2025-11-27T00:00:00Z", 2, "src@s1", null, "nightly");
        SnapshotInfo snapshot = new SnapshotInfo("db", "s1", "snap-1", "2025-11-28T00:00:00Z", 4096, 512,
                "nbd://127.0.0.1:10809/db@s1", SnapshotInfo.READY, java.util.List.of("node-1", "node-2"));
        ClusterInfo cluster = new ClusterInfo("c", "0.1.0", java.util.List.of(
                new NodeInfo("n", "online", "a:1", "a:2", "zone-a", null, false, "0.1.0", 10, 1, 20,
                        "2025-11-27T00:00:00Z", "2025-11-27T00:00:05Z", Map.of("disk", "ssd"))), 10, 1, 4096, 1);
        VolumeInfo withSpace = volume.withSpace(new VolumeSpaceInfo(4096, 8192, 512,
                java.util.List.of(new VolumeSpaceInfo.SnapshotSpace("s1", 8192))));
        for (Object value : new Object[] {volume, withSpace, new VolumeList(java.util.List.of(volume)), cluster,
                new VolumeCreate("db", 4096, Map.of(), "daily=02:00,keep=7", null),
                new PoolList(java.util.List.of(new PoolInfo("n", "/p", 10, 1, 2, 1.5, 1))),
                new VersionInfo("0.1.0", "v1"), new ApiError("VOLUME_NOT_FOUND", "m", "h"), new VolumeResize(8192),
                snapshot, new SnapshotList(java.util.List.of(snapshot)), new SnapshotCreate("s1"), new SnapshotCreate(null),
                new VolumeClone("copy", "s1", Map.of("a", "b")), new VolumeClone("copy", null, null),
                new VolumeRevert("s1", true), new PolicyInfo("nightly", "daily=02:00,keep=7", 1, "2025-11-29T00:00:00Z"),
                new PolicyList(java.util.List.of(new PolicyInfo("p", "periodic=60m,keep=5", 0, "t"))),
                new PolicyCreate("p", "daily=02:00"), new NodeList(cluster.nodes()), new NodePatch(true), new VolumePatch(8192L, null, ""),
                new VolumePatch(null, "daily=02:00,keep=7", null)}) {
            byte[] json = ApiJson.writer().writeValueAsBytes(value);
            assertThat(ApiJson.reader().readValue(json, value.getClass())).isEqualTo(value);
        }
    }
}
