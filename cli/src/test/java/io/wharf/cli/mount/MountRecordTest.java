package io.wharf.cli.mount;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.ApiJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code state.json} stays readable across versions: a record written before growable exports is a fixed-size one. */
class MountRecordTest {
    @Test
    void aRecordFromBeforeGrowableExportsReadsAsFixedSize() throws IOException {
        String written = """
                {"schemaVersion":1,"id":"db-0a1b2c3d","volume":"db","nbdUri":"nbd://127.0.0.1:10809/db",
                 "path":"/mnt/db","transport":"nbdfuse","filesystem":"ext4","fuseDir":"/run/wharf/mounts/db-0a1b2c3d/fuse",
                 "nbdfusePid":42,"loopDevice":"/dev/loop3","nbdDevice":null,"createdPath":true,"mounted":true,
                 "mountedAt":"2026-01-01T00:00:00Z","blockOnly":false,"options":["noatime"]}
                """;
        MountRecord record = ApiJson.reader().readValue(written, MountRecord.class);
        assertThat(record.sizeLimitBytes()).isZero();
        assertThat(record.growable()).isFalse();
        assertThat(record.device()).isEqualTo("/dev/loop3");
    }

    @Test
    void aGrowableRecordRoundTrips() throws IOException {
        MountRecord record = MountRecord.start("db-1", "db", "nbd://127.0.0.1:10809/db+growable", Path.of("/mnt/db"),
                MountRecord.NBDFUSE, false, List.of()).withLoopDevice("/dev/loop4", 64L << 20);
        MountRecord read = ApiJson.reader().readValue(ApiJson.prettyWriter().writeValueAsBytes(record), MountRecord.class);
        assertThat(read).isEqualTo(record);
        assertThat(read.growable()).isTrue();
        assertThat(read.sizeLimitBytes()).isEqualTo(64L << 20);
    }
}
