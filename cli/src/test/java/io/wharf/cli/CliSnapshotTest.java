package io.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.api.ApiServer;
import io.wharf.core.ByteSize;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code wharf snapshot ...}, {@code volume clone} and {@code volume revert} against a real ApiServer. */
class CliSnapshotTest extends CliAgainstApiServer {
    @Test
    void createPrintsTheSnapshotAndTakesAGeneratedName() throws Exception {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of());
        assertThat(succeeded(wharf("snapshot", "create", "db", "--name", "s1")).out())
                .isEqualTo("snapshot db@s1 created\n");
        assertThat(succeeded(wharf("snapshot", "create", "db")).out()).isEqualTo("snapshot db@snap-2 created\n");
        JsonNode json = JSON.readTree(succeeded(wharf("snapshot", "create", "db", "--name", "s3", "-o", "json")).out());
        assertThat(json.get("volume").asText()).isEqualTo("db");
        assertThat(json.get("name").asText()).isEqualTo("s3");
        assertThat(json.get("nbdUri").asText()).isEqualTo("nbd://127.0.0.1:10809/db@s3");
        assertThat(api.snapshots.get("db")).containsOnlyKeys("s1", "snap-2", "s3");
    }

    @Test
    void createWithGroupTakesOneCutAcrossTheVolumes() throws Exception {
        api.put("a", 10 * ByteSize.GIB, 0, 0, Map.of());
        api.put("b", ByteSize.GIB, 0, 0, Map.of());
        api.put("c", ByteSize.GIB, 0, 0, Map.of());
        assertThat(succeeded(wharf("snapshot", "create", "--group", "g1", "a", "b")).out()).isEqualTo("""
                snapshot a@g1 created
                snapshot b@g1 created
                group g1: 2 volumes, one crash-consistent cut
                """);
        assertThat(api.snapshots.get("a")).containsOnlyKeys("g1");
        assertThat(api.snapshots.get("b")).containsOnlyKeys("g1");
        assertThat(api.snapshots).doesNotContainKey("c");

        assertThat(succeeded(wharf("snapshot", "create", "c", "--group", "solo")).out()).isEqualTo("""
                snapshot c@solo created
                group solo: 1 volume, one crash-consistent cut
                """);

        JsonNode json = JSON.readTree(
                succeeded(wharf("snapshot", "create", "--group=g2", "b", "a", "c", "-o", "json")).out());
        assertThat(json.get("snapshots")).hasSize(3);
        assertThat(json.get("snapshots").get(0).get("volume").asText()).isEqualTo("b");
        assertThat(json.get("snapshots").get(1).get("volume").asText()).isEqualTo("a");
        assertThat(json.get("snapshots").get(2).get("name").asText()).isEqualTo("g2");
        assertThat(json.get("snapshots").get(2).get("nbdUri").asText()).isEqualTo("nbd://127.0.0.1:10809/c@g2");
    }

    @Test
    void createWithGroupRefusalsLeaveNoSnapshotOfTheGroup() {
        api.put("a", ByteSize.GIB, 0, 0, Map.of());
        api.put("b", ByteSize.GIB, 0, 0, Map.of());
        api.putSnapshot("b", "g1", 0);
        assertFailed(wharf("snapshot", "create", "--group", "g1", "a", "b"), 4, "SNAPSHOT_EXISTS",
                "snapshot 'b@g1' already exists", "choose another group name, or delete the existing snapshot first");
        assertFailed(wharf("snapshot", "create", "--group", "g2", "a", "nope"), 3, "VOLUME_NOT_FOUND",
                "volume 'nope' does not exist", "list volumes with `wharf volume list`");
        assertThat(api.snapshots.getOrDefault("a", Map.of())).isEmpty();
        assertThat(api.snapshots.get("b")).containsOnlyKeys("g1");
    }

    @Test
    void createWithGroupChecksItsArgumentsBeforeAnythingIsSent() {
        String names = "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit";
        assertFailed(wharf("snapshot", "create", "--group", "g1", "--name", "s1", "a", "b"), 2, "INVALID_ARGUMENT",
                "--group and --name cannot be used together",
                "with --group every volume's snapshot is named after the group; drop --name, e.g. wharf snapshot "
                        + "create --group g1 a b");
        assertFailed(wharf("snapshot", "create", "--group", "g1", "a", "b", "a"), 2, "INVALID_ARGUMENT",
                "volume 'a' is listed more than once in group snapshot 'g1'",
                "list each volume once; each gets exactly one snapshot, named a@g1");
        assertFailed(wharf("snapshot", "create", "a", "b"), 2, "INVALID_ARGUMENT",
                "snapshot create takes one volume, not 2 (a, b)",
                "to snapshot several volumes at one crash-consistent point, name the group: wharf snapshot create "
                        + "--group NAME a b");
        assertFailed(wharf("snapshot", "create", "--group", "G_1", "a"), 2, "INVALID_NAME",
                "group name 'G_1' is not valid", names);
        assertFailed(wharf("snapshot", "create", "--group", "g1", "a", "Bad"), 2, "INVALID_NAME",
                "volume name 'Bad' is not valid", names);
        assertFailed(wharf("snapshot", "create", "--group", "g1", "a", "b@s1"), 2, "INVALID_ARGUMENT",
                "'b@s1' is not a volume name: snapshot create --group takes volumes and names every snapshot after "
                        + "the group", "write it like: wharf snapshot create --group g1 db logs");
        CliRun noVolume = wharf("snapshot", "create", "--group", "g1");
        assertThat(noVolume.exitCode()).isEqualTo(2);
        assertThat(noVolume.err()).startsWith("Missing required parameter: 'VOLUME'");
        assertThat(api.calls).hasValue(0);
    }

    @Test
    void listPrintsATableOfOneVolumeOrAll() throws Exception {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of());
        api.put("logs", 512 * ByteSize.MIB, 0, 0, Map.of());
        api.putSnapshot("db", "s1", 3 * ByteSize.GIB / 2);
        api.putSnapshot("db", "daily-2", 0);
        api.putSnapshot("logs", "s1", 4 * ByteSize.MIB);
        api.loseSnapshot("db", "daily-2");

        assertThat(succeeded(wharf("snapshot", "list")).out()).isEqualTo("""
                VOLUME  NAME     CREATED               SIZE     EXCLUSIVE  NODES
                db      s1       2025-11-28T10:00:00Z  10 GiB   1.5 GiB    node-1
                db      daily-2  2025-11-28T10:00:00Z  10 GiB   0 B        none (lost: delete it)
                logs    s1       2025-11-28T10:00:00Z  512 MiB  4 MiB      node-1
                """);
        assertThat(succeeded(wharf("snapshot", "ls", "logs")).out()).isEqualTo("""
                VOLUME  NAME  CREATED               SIZE     EXCLUSIVE  NODES
                logs    s1    2025-11-28T10:00:00Z  512 MiB  4 MiB      node-1
                """);
        JsonNode json = JSON.readTree(succeeded(wharf("snapshot", "list", "db", "-o", "json")).out());
        assertThat(json.get("snapshots")).hasSize(2);
        assertThat(json.get("snapshots").get(0).get("exclusiveBytes").asLong()).isEqualTo(3 * ByteSize.GIB / 2);
    }

    @Test
    void listWithoutSnapshotsSaysHowToTakeOne() throws Exception {
        api.put("db", ByteSize.GIB, 0, 0, Map.of());
        assertThat(succeeded(wharf("snapshot", "list")).out())
                .isEqualTo("no snapshots yet; take one with: wharf snapshot create VOLUME --name NAME\n");
        assertThat(succeeded(wharf("snapshot", "list", "db")).out())
                .isEqualTo("volume db has no snapshots yet; take one with: wharf snapshot create db --name NAME\n");
        assertThat(JSON.readTree(succeeded(wharf("snapshot", "list", "-o", "json")).out()).get("snapshots")).isEmpty();
        assertFailed(wharf("snapshot", "list", "nope"), 3, "VOLUME_NOT_FOUND", "volume 'nope' does not exist",
                "list volumes with `wharf volume list`");
    }

    @Test
    void inspectShowsOneSnapshot() throws Exception {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of());
        api.putSnapshot("db", "s1", 3 * ByteSize.GIB / 2);
        assertThat(succeeded(wharf("snapshot", "inspect", "db@s1")).out()).isEqualTo("""
                FIELD      VALUE
                Snapshot   db@s1
                ID         snap-db-s1
                Volume     db
                Size       10 GiB (10737418240 bytes)
                Exclusive  1.5 GiB
                NBD URI    nbd://127.0.0.1:10809/db@s1 (read-only)
                Created    2025-11-28T10:00:00Z
                Nodes      node-1
                """);
        JsonNode json = JSON.readTree(succeeded(wharf("snapshot", "inspect", "db@s1", "-o", "json")).out());
        assertThat(json.get("id").asText()).isEqualTo("snap-db-s1");
        assertThat(json.get("sizeBytes").asLong()).isEqualTo(10 * ByteSize.GIB);
    }

    @Test
    void deleteRemovesTheSnapshot() {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of());
        api.putSnapshot("db", "s1", 0);
        assertThat(succeeded(wharf("snapshot", "rm", "db@s1")).out()).isEqualTo("snapshot db@s1 deleted\n");
        assertThat(api.snapshots.get("db")).isEmpty();
    }

    @Test
    void refusalsExitWithTheirCodesExitCode() {
        api.put("db", 10 * ByteSize.GIB, 0, 1, Map.of());
        api.putSnapshot("db", "s1", 0);
        assertFailed(wharf("snapshot", "inspect", "db@s9"), 3, "SNAPSHOT_NOT_FOUND", "snapshot 'db@s9' does not exist",
                "list the volume's snapshots with `wharf snapshot list db`");
        assertFailed(wharf("snapshot", "delete", "db@s9"), 3, "SNAPSHOT_NOT_FOUND", "snapshot 'db@s9' does not exist",
                "list the volume's snapshots with `wharf snapshot list db`");
        assertFailed(wharf("snapshot", "inspect", "nope@s1"), 3, "VOLUME_NOT_FOUND", "volume 'nope' does not exist",
                "list volumes with `wharf volume list`");
        assertFailed(wharf("snapshot", "create", "db", "--name", "s1"), 4, "SNAPSHOT_EXISTS",
                "snapshot 'db@s1' already exists", "choose another name, or delete the existing snapshot first");
        assertFailed(wharf("volume", "clone", "db@s9", "copy"), 3, "SNAPSHOT_NOT_FOUND",
                "snapshot 'db@s9' does not exist", "list the volume's snapshots with `wharf snapshot list db`");
        assertFailed(wharf("volume", "revert", "db", "--to", "s9", "--force"), 3, "SNAPSHOT_NOT_FOUND",
                "snapshot 'db@s9' does not exist", "list the volume's snapshots with `wharf snapshot list db`");
    }

    @Test
    void cloneFromASnapshotOrTheCurrentState() throws Exception {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of());
        api.putSnapshot("db", "s1", 0);
        api.put("db", 20 * ByteSize.GIB, 0, 0, Map.of());

        assertThat(succeeded(wharf("volume", "clone", "db@s1", "db-copy", "--label", "env=test", "-l", "app=pg")).out())
                .isEqualTo("volume db-copy created from db@s1: 10 GiB, nbd://127.0.0.1:10809/db-copy\n");
        assertThat(api.volumes.get("db-copy").labels()).isEqualTo(Map.of("env", "test", "app", "pg"));
        assertThat(succeeded(wharf("volume", "clone", "db", "db-now")).out())
                .isEqualTo("volume db-now created from db: 20 GiB, nbd://127.0.0.1:10809/db-now\n");
        JsonNode json = JSON.readTree(succeeded(wharf("volume", "clone", "db@s1", "third", "-o", "json")).out());
        assertThat(json.get("source").asText()).isEqualTo("db@s1");
        assertThat(json.get("snapshots").asInt()).isZero();

        assertFailed(wharf("volume", "clone", "db@s1", "db-copy"), 4, "VOLUME_EXISTS",
                "volume 'db-copy' already exists", "choose another name, or delete the existing volume first");
        assertFailed(wharf("volume", "clone", "db@s1", "Bad_Name"), 2, "INVALID_NAME",
                "volume name 'Bad_Name' is not valid",
                "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
    }

    @Test
    void inspectAndListShowSnapshotsAndSource() {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of());
        api.putSnapshot("db", "s1", 0);
        api.putSnapshot("db", "s2", 0);
        api.put("db-copy", 10 * ByteSize.GIB, 0, 0, Map.of(), "db@s1");
        assertThat(succeeded(wharf("volume", "inspect", "db-copy")).out()).isEqualTo("""
                FIELD      VALUE
                Name       db-copy
                ID         vol-db-copy
                Size       10 GiB (10737418240 bytes)
                Allocated  0 B
                State      available
                Node       node-1
                NBD URI    nbd://127.0.0.1:10809/db-copy
                Labels     -
                Snapshots  0
                Source     db@s1
                Created    2025-11-27T09:30:00Z
                """);
        assertThat(succeeded(wharf("volume", "inspect", "db")).out()).contains("Snapshots  2\n")
                .doesNotContain("Source");
        assertThat(succeeded(wharf("volume", "list")).out()).isEqualTo("""
                NAME     SIZE    ALLOCATED  STATE      CLIENTS  SNAPSHOTS  NODE    LABELS
                db       10 GiB  0 B        available  0        2          node-1  -
                db-copy  10 GiB  0 B        available  0        0          node-1  -
                """);
    }

    @Test
    void revertNeedsForceWhileInUse() throws Exception {
        api.put("db", 10 * ByteSize.GIB, 0, 1, Map.of());
        api.putSnapshot("db", "s1", 0);
        assertFailed(wharf("volume", "revert", "db", "--to", "s1"), 4, "VOLUME_IN_USE",
                "volume 'db' has 1 NBD client(s) connected", "unmount it first, or revert with --force");
        assertThat(succeeded(wharf("volume", "revert", "db", "--to", "s1", "--force")).out())
                .isEqualTo("volume db reverted to snapshot db@s1\n");
        assertThat(succeeded(wharf("volume", "revert", "db", "--to", "db@s1")).out())
                .isEqualTo("volume db reverted to snapshot db@s1\n");
        JsonNode json = JSON.readTree(succeeded(wharf("volume", "revert", "db", "--to", "s1", "-o", "json")).out());
        assertThat(json.get("name").asText()).isEqualTo("db");
        assertThat(json.get("clients").asInt()).isZero();
    }

    @Test
    void revertRefusesAnotherVolumesSnapshotAndNeedsTo() {
        assertFailed(wharf("volume", "revert", "db", "--to", "other@s1"), 2, "INVALID_ARGUMENT",
                "snapshot 'other@s1' is not a snapshot of volume 'db'",
                "a volume can only be reverted to its own snapshots; to start from other@s1 instead, clone it: "
                        + "wharf volume clone other@s1 NEW");
        CliRun missing = wharf("volume", "revert", "db");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).startsWith("Missing required option: '--to=SNAPSHOT'");
        assertThat(api.calls).hasValue(0);
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "snapshot inspect | db | INVALID_ARGUMENT | 'db' does not name a snapshot: expected VOLUME@SNAPSHOT | write it like db@daily-1; list snapshots with `wharf snapshot list`",
        "snapshot delete | db@ | INVALID_ARGUMENT | 'db@' names no snapshot after '@' | write VOLUME@SNAPSHOT, e.g. db@daily-1; list snapshots with `wharf snapshot list db`",
        "snapshot inspect | @s1 | INVALID_ARGUMENT | '@s1' names no volume before '@' | write VOLUME@SNAPSHOT, e.g. db@s1",
        "snapshot inspect | @ | INVALID_ARGUMENT | '@' names no volume before '@' | write VOLUME@SNAPSHOT, e.g. db@daily-1",
        "snapshot delete | a@b@c | INVALID_ARGUMENT | 'a@b@c' has more than one '@' | '@' separates the volume from the snapshot and is not allowed in either name; write VOLUME@SNAPSHOT, e.g. db@daily-1",
        "snapshot inspect | DB@s1 | INVALID_NAME | volume name 'DB' is not valid | use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
        "snapshot inspect | db@S_1 | INVALID_NAME | snapshot name 'S_1' is not valid | use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
        "volume clone | logs@ | INVALID_ARGUMENT | 'logs@' names no snapshot after '@' | write VOLUME@SNAPSHOT, e.g. logs@daily-1, or just the volume for its current state; list snapshots with `wharf snapshot list logs`",
        "volume clone | @s1 | INVALID_ARGUMENT | '@s1' names no volume before '@' | write VOLUME@SNAPSHOT, e.g. db@s1",
        "volume clone | a@b@c | INVALID_ARGUMENT | 'a@b@c' has more than one '@' | '@' separates the volume from the snapshot and is not allowed in either name; write VOLUME@SNAPSHOT, e.g. db@daily-1",
        "volume clone | Bad | INVALID_NAME | volume name 'Bad' is not valid | use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
        "snapshot create | db@s1 | INVALID_ARGUMENT | 'db@s1' is not a volume name: snapshot create takes the volume and --name for the snapshot | write it like: wharf snapshot create db --name daily-1",
        "snapshot list | a@b | INVALID_NAME | volume name 'a@b' is not valid | use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
    })
    void malformedSnapshotReferencesAreRefusedBeforeAnythingIsSent(String command, String argument, String code,
            String message, String hint) {
        String[] words = command.split(" ");
        String[] args = words[1].equals("clone") ? new String[] {words[0], words[1], argument, "copy"}
                : new String[] {words[0], words[1], argument};
        assertFailed(wharf(args), 2, code, message, hint);
        assertThat(api.calls).hasValue(0);
    }

    @Test
    void revertAndCreateCheckSnapshotNamesBeforeAnythingIsSent() {
        String hint = "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit";
        assertFailed(wharf("volume", "revert", "db", "--to", "S1"), 2, "INVALID_NAME",
                "snapshot name 'S1' is not valid", hint);
        assertFailed(wharf("volume", "revert", "db", "--to", "db@"), 2, "INVALID_ARGUMENT",
                "'db@' names no snapshot after '@'",
                "write VOLUME@SNAPSHOT, e.g. db@daily-1; list snapshots with `wharf snapshot list db`");
        assertFailed(wharf("snapshot", "create", "db", "--name", "a@b"), 2, "INVALID_NAME",
                "snapshot name 'a@b' is not valid", hint);
        assertThat(api.calls).hasValue(0);
    }

    @Test
    void snapshotCommandsHaveHelp() {
        CliRun help = succeeded(wharf("snapshot", "--help"));
        assertThat(help.out()).contains("Usage: wharf snapshot", "create", "list", "inspect", "delete");
        assertThat(succeeded(wharf("snapshot", "create", "-h")).out()).contains("--group=NAME", "--name=NAME",
                "VOLUME...", "crash-consistent cut");
        assertThat(succeeded(wharf("volume", "clone", "-h")).out()).contains("SOURCE[@SNAPSHOT]", "NEW", "--label");
        assertThat(succeeded(wharf("volume", "revert", "-h")).out()).contains("--to=SNAPSHOT", "--force");
        CliRun bare = wharf("snapshot");
        assertThat(bare.exitCode()).isEqualTo(2);
        assertThat(bare.err()).contains("Usage: wharf snapshot");
    }
}
