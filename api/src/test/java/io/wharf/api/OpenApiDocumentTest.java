package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.core.ErrorCode;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The checked-in document and the server cannot drift apart. */
class OpenApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private final JsonNode document = read();

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(ApiServer.openApiDocument());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyServedRouteIsDocumentedAndViceVersa() {
        List<String> documented = new ArrayList<>();
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (METHODS.contains(operation.getKey())) {
                documented.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        List<String> served = new ApiServer("127.0.0.1", 0, new FakeWharfApi(), null).routes().stream()
                .map(Route::toString).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(served);
        assertThat(document.get("openapi").asText()).startsWith("3.0.");
    }

    @Test
    void schemasHaveTheFieldsOfTheRecords() {
        Map<String, Class<? extends Record>> records = new LinkedHashMap<>();
        for (Class<? extends Record> type : List.of(ApiError.class, VolumeCreate.class, VolumeResize.class,
                VolumeInfo.class, VolumeList.class, PoolInfo.class, PoolList.class, NodeInfo.class, ClusterInfo.class,
                VersionInfo.class, SnapshotCreate.class, SnapshotGroupCreate.class, SnapshotInfo.class,
                SnapshotList.class, VolumeClone.class, VolumeRevert.class, VolumePatch.class, VolumeUpdate.class,
                PolicyCreate.class, PolicyInfo.class, PolicyList.class, VolumeSpaceInfo.class,
                VolumeSpaceInfo.SnapshotSpace.class, NodeList.class, NodePatch.class, VolumeAttach.class, BackupTargetCreate.class, BackupTargetInfo.class,
                BackupTargetList.class, BackupCreate.class, BackupRestore.class, BackupStatus.class, BackupList.class,
                BackupScheduleSet.class, BackupScheduleInfo.class, BackupScheduleList.class, ReplicationInfo.class,
                VolumeChecksum.class)) {
            records.put(type.getSimpleName(), type);
        }
        JsonNode schemas = document.get("components").get("schemas");
        for (var entry : records.entrySet()) {
            JsonNode schema = schemas.get(entry.getKey());
            assertThat(schema).as("schema " + entry.getKey()).isNotNull();
            List<String> documented = new ArrayList<>();
            schema.get("properties").fieldNames().forEachRemaining(documented::add);
            List<String> fields = Arrays.stream(entry.getValue().getRecordComponents())
                    .map(RecordComponent::getName).toList();
            assertThat(documented).as("properties of " + entry.getKey()).containsExactlyElementsOf(fields);
        }
    }

    @Test
    void everyReferencedSchemaExists() {
        List<String> references = new ArrayList<>();
        collectReferences(document, references);
        for (String reference : references) {
            String[] parts = reference.substring(2).split("/");
            JsonNode target = document;
            for (String part : parts) {
                target = target.get(part);
                assertThat(target).as(reference).isNotNull();
            }
        }
        assertThat(references).isNotEmpty();
    }

    @Test
    void errorCodesAreTheTableOfErrorCode() {
        Map<String, Integer> documented = new LinkedHashMap<>();
        document.get("components").get("schemas").get("ApiError").get("x-error-codes").properties()
                .forEach(e -> documented.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> table = new LinkedHashMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            table.put(code.name(), code.httpStatus());
        }
        assertThat(documented).containsExactlyEntriesOf(table);
    }

    private static void collectReferences(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) {
                    into.add(e.getValue().asText());
                } else {
                    collectReferences(e.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectReferences(child, into));
        }
    }
}
