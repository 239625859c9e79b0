package io.wharf.metadata.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCodecTest {
    private static final Instant CREATED = Instant.parse("2025-03-01T10:15:30.123Z");

    @Test
    void volumeRoundTrips() {
        VolumeRecord volume = VolumeRecord.of("vol-1", "db-data", 10L << 30, Map.of("app", "pg"), VolumeState.READY,
                "node-a", CREATED);

        assertThat(ModelCodec.decode(ModelCodec.encode(volume), VolumeRecord.class)).isEqualTo(volume);
    }

    @Test
    void withersKeepIdentityAndWriteTheCurrentSchema() {
        VolumeRecord old = new VolumeRecord(0, "vol-1", "db", 1024, Map.of(), VolumeState.CREATING, "n", CREATED, null, null, null, null,
                null, 0, null, null);

        VolumeRecord grown = old.withState(VolumeState.READY).withSize(2048);

        assertThat(grown).isEqualTo(new VolumeRecord(VolumeRecord.SCHEMA_VERSION, "vol-1", "db", 2048, Map.of(),
                VolumeState.READY, "n", CREATED, null, null, null, null, null, 0, null, List.of()));
    }

    @Test
    void replicatedVolumeRoundTrips() {
        VolumeRecord volume = VolumeRecord.of("vol-2", "pg", 1L << 30, Map.of(), VolumeState.READY, "node-a", CREATED)
                .withReplication(7, "node-c", List.of(new VolumeReplica("node-a", VolumeReplica.State.IN_SYNC),
                        new VolumeReplica("node-b", VolumeReplica.State.RESYNCING)))
                .withAttachedTo("node-c");

        VolumeRecord read = ModelCodec.decode(ModelCodec.encode(volume), VolumeRecord.class);

        assertThat(read).isEqualTo(volume);
        assertThat(read.replicated()).isTrue();
        assertThat(read.holdsData("node-b")).isTrue();
        assertThat(read.holdsData("node-c")).isFalse();
    }

    @Test
    void nodeAndClusterRoundTrip() {
        NodeRecord node = NodeRecord.of("node-a", "inst-1", "10.0.0.1:9020", "10.0.0.1:10809", "10.0.0.1:9030", "zone-a", "rack-1",
                false, "0.1.0", CREATED, Map.of("disk", "ssd"), "/var/lib/wharf/pool").withUsage(100, 10, 50, 2.0, CREATED).withMaintenance(true, CREATED);
        ClusterRecord cluster = ClusterRecord.of("c-42", CREATED);

        assertThat(ModelCodec.decode(ModelCodec.encode(node), NodeRecord.class)).isEqualTo(node);
        assertThat(ModelCodec.decode(ModelCodec.encode(cluster), ClusterRecord.class)).isEqualTo(cluster);
    }

    @Test
    void theJsonIsPlainAndCarriesTheSchemaVersion() {
        String json = new String(ModelCodec.encode(ClusterRecord.of("c-42", CREATED)), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"schemaVersion\":1,\"clusterId\":\"c-42\",\"createdAt\":\"2025-03-01T10:15:30.123Z\"}");
    }

    @Test
    void fieldsFromANewerWriterAreIgnored() {
        String json = """
                {"schemaVersion":7,"id":"vol-1","name":"db","sizeBytes":1024,"labels":{},"state":"CREATING",
                 "node":"n","createdAt":"2025-03-01T10:15:30Z","tier":3,"encryption":{"cipher":"aes"}}
                """;

        VolumeRecord volume = ModelCodec.decode(json.getBytes(StandardCharsets.UTF_8), VolumeRecord.class);

        assertThat(volume.schemaVersion()).isEqualTo(7);
        assertThat(volume.state()).isEqualTo(VolumeState.CREATING);
        assertThat(volume.sizeBytes()).isEqualTo(1024);
    }

    @Test
    void optionalFieldsAnOlderWriterLeftOutAreTolerated() {
        String json = """
                {"schemaVersion":1,"id":"vol-1","name":"db","sizeBytes":1024,"state":"READY","createdAt":"2025-03-01T10:15:30Z"}
                """;

        VolumeRecord volume = ModelCodec.decode(json.getBytes(StandardCharsets.UTF_8), VolumeRecord.class);

        assertThat(volume.labels()).isEmpty();
        assertThat(volume.node()).isNull();
    }

    @Test
    void somethingThatIsNotTheRecordIsAClearError() {
        assertThatThrownBy(() -> ModelCodec.decode("{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8), VolumeRecord.class))
                .isInstanceOfSatisfying(WharfException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
        assertThatThrownBy(() -> ModelCodec.decode("not json".getBytes(StandardCharsets.UTF_8), ClusterRecord.class))
                .isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> ModelCodec.decode(
                "{\"clusterId\":\"c\",\"createdAt\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8), ClusterRecord.class))
                .isInstanceOf(WharfException.class);
    }
}
