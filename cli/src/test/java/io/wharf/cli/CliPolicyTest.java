package io.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.api.ApiServer;
import io.wharf.api.VolumeUpdate;
import io.wharf.core.ByteSize;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code wharf volume update} and {@code wharf policy ...} against a real ApiServer. */
class CliPolicyTest extends CliAgainstApiServer {
    @Test
    void updateSetsAndClearsTheScheduleAndInspectShowsIt() throws Exception {
        api.put("db", 10 * ByteSize.GIB, 0, 0, Map.of("app", "pg"));
        assertThat(succeeded(wharf("volume", "update", "db", "--snapshot-schedule", "periodic=60m,keep=5")).out())
                .isEqualTo("volume db updated\n");
        assertThat(api.volumes.get("db").snapshotSchedule()).isEqualTo("periodic=60m,keep=5");
        assertThat(succeeded(wharf("volume", "inspect", "db")).out()).isEqualTo("""
                FIELD      VALUE
                Name       db
                ID         vol-db
                Size       10 GiB (10737418240 bytes)
                Allocated  0 B
                State      available
                Node       node-1
                NBD URI    nbd://127.0.0.1:10809/db
                Labels     app=pg
                Snapshots  0
                Schedule   periodic=60m,keep=5
                Created    2025-11-27T09:30:00Z
                """);

        api.createPolicy("nightly", "daily=02:00,keep=7");
        JsonNode json = JSON.readTree(succeeded(wharf("volume", "update", "db", "--schedule-policy", "nightly",
                "-o", "json")).out());
        assertThat(json.get("schedulePolicy").asText()).isEqualTo("nightly");
        assertThat(json.get("snapshotSchedule").isNull()).isTrue();
        assertThat(succeeded(wharf("volume", "inspect", "db")).out())
                .contains("Policy     nightly\n").doesNotContain("Schedule");

        assertThat(succeeded(wharf("volume", "update", "db", "--schedule-policy", "")).out())
                .isEqualTo("volume db updated\n");
        assertThat(api.volumes.get("db").schedulePolicy()).isNull();
        assertThat(succeeded(wharf("volume", "inspect", "db")).out()).doesNotContain("Policy", "Schedule");

        succeeded(wharf("volume", "update", "db", "--snapshot-schedule", "daily=01:00,keep=3"));
        succeeded(wharf("volume", "update", "db", "--snapshot-schedule", ""));
        assertThat(api.volumes.get("db").snapshotSchedule()).isNull();
    }

    @Test
    void createTakesAScheduleOrAPolicy() {
        assertThat(succeeded(wharf("volume", "create", "db", "--size", "1GiB", "--snapshot-schedule",
                "periodic=60m,keep=5")).out()).startsWith("volume db created");
        assertThat(api.volumes.get("db").snapshotSchedule()).isEqualTo("periodic=60m,keep=5");
        api.createPolicy("nightly", "daily=02:00,keep=7");
        succeeded(wharf("volume", "create", "logs", "--size", "1GiB", "--schedule-policy", "nightly"));
        assertThat(api.volumes.get("logs").schedulePolicy()).isEqualTo("nightly");
        assertFailed(wharf("volume", "create", "x", "--size", "1GiB", "--schedule-policy", "nope"), 3,
                "POLICY_NOT_FOUND", "policy 'nope' does not exist", "list policies with `wharf policy list`");
        assertThat(api.volumes).doesNotContainKey("x");
        assertThat(wharf("volume", "create", "y", "--size", "1GiB", "--schedule-policy", "Bad!").exitCode()).isEqualTo(2);
    }

    @Test
    void updateNeedsAnOptionAndChecksNamesBeforeAnythingIsSent() {
        assertUsageError(wharf("volume", "update", "db"),
                "Missing option: give --snapshot-schedule=SCHEDULE, --schedule-policy=POLICY or --repl=N",
                "wharf volume update");
        assertUsageError(wharf("volume", "update", "--snapshot-schedule", "daily=02:00"),
                "Missing required parameter: 'NAME'", "wharf volume update");
        assertFailed(wharf("volume", "update", "DB_data", "--snapshot-schedule", "daily=02:00"), 2, "INVALID_NAME",
                "volume name 'DB_data' is not valid",
                "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        assertThat(wharf("volume", "update", "db", "--schedule-policy", "Bad!").exitCode()).isEqualTo(2);
        assertThat(api.calls).hasValue(0);
    }

    @Test
    void updateRefusalsExitWithTheirCodesExitCode() {
        assertFailed(wharf("volume", "update", "nope", "--snapshot-schedule", "daily=02:00"), 3, "VOLUME_NOT_FOUND",
                "volume 'nope' does not exist", "list volumes with `wharf volume list`");
        api.put("db", ByteSize.GIB, 0, 0, Map.of());
        assertFailed(wharf("volume", "update", "db", "--schedule-policy", "nope"), 3, "POLICY_NOT_FOUND",
                "policy 'nope' does not exist", "list policies with `wharf policy list`");
    }

    @Test
    void createListInspectAndDeleteAPolicy() throws Exception {
        assertThat(succeeded(wharf("policy", "list")).out())
                .isEqualTo("no policies yet; create one with: wharf policy create NAME --schedule SCHEDULE\n");
        assertThat(succeeded(wharf("policy", "create", "nightly", "--schedule", "daily=02:00,keep=7")).out())
                .isEqualTo("policy nightly created\n");
        JsonNode created = JSON.readTree(succeeded(wharf("policy", "create", "hourly", "--schedule",
                "periodic=60m,keep=5", "-o", "json")).out());
        assertThat(created.get("name").asText()).isEqualTo("hourly");
        assertThat(created.get("schedule").asText()).isEqualTo("periodic=60m,keep=5");

        api.put("db", ByteSize.GIB, 0, 0, Map.of());
        api.updateVolume("db", new VolumeUpdate(null, "nightly"));
        assertThat(succeeded(wharf("policy", "list")).out()).isEqualTo("""
                NAME     SCHEDULE             VOLUMES  CREATED
                hourly   periodic=60m,keep=5  0        2025-11-29T08:00:00Z
                nightly  daily=02:00,keep=7   1        2025-11-29T08:00:00Z
                """);
        JsonNode list = JSON.readTree(succeeded(wharf("policy", "ls", "-o", "json")).out());
        assertThat(list.get("policies").size()).isEqualTo(2);
        assertThat(list.get("policies").get(1).get("volumes").asInt()).isEqualTo(1);

        assertThat(succeeded(wharf("policy", "inspect", "nightly")).out()).isEqualTo("""
                FIELD     VALUE
                Name      nightly
                Schedule  daily=02:00,keep=7
                Volumes   1
                Created   2025-11-29T08:00:00Z
                """);
        JsonNode inspected = JSON.readTree(succeeded(wharf("policy", "inspect", "nightly", "-o", "json")).out());
        assertThat(inspected.get("volumes").asInt()).isEqualTo(1);

        assertThat(succeeded(wharf("policy", "delete", "hourly")).out()).isEqualTo("policy hourly deleted\n");
        assertThat(api.policies).containsOnlyKeys("nightly");
    }

    @Test
    void policyRefusalsExitWithTheirCodesExitCode() {
        api.createPolicy("nightly", "daily=02:00,keep=7");
        assertFailed(wharf("policy", "create", "nightly", "--schedule", "daily=03:00"), 4, "POLICY_EXISTS",
                "policy 'nightly' already exists", "choose another name, or delete the existing policy first");
        assertFailed(wharf("policy", "inspect", "nope"), 3, "POLICY_NOT_FOUND", "policy 'nope' does not exist",
                "list policies with `wharf policy list`");
        assertFailed(wharf("policy", "delete", "nope"), 3, "POLICY_NOT_FOUND", "policy 'nope' does not exist",
                "list policies with `wharf policy list`");

        api.put("db", ByteSize.GIB, 0, 0, Map.of());
        api.updateVolume("db", new VolumeUpdate(null, "nightly"));
        assertFailed(wharf("policy", "delete", "nightly"), 4, "POLICY_IN_USE", "policy 'nightly' is used by 1 volume(s)",
                "clear it from those volumes first with wharf volume update VOLUME --schedule-policy ''");
        assertThat(api.policies).containsKey("nightly");
        succeeded(wharf("volume", "update", "db", "--schedule-policy", ""));
        succeeded(wharf("policy", "delete", "nightly"));
        assertThat(api.policies).isEmpty();
    }

    @Test
    void policyUsageErrorsExitTwoAndSendNothing() {
        int before = api.calls.get();
        assertUsageError(wharf("policy", "create", "nightly"), "Missing required option: '--schedule=SCHEDULE'",
                "wharf policy create");
        assertUsageError(wharf("policy", "create", "--schedule", "daily=02:00"), "Missing required parameter: 'NAME'",
                "wharf policy create");
        assertUsageError(wharf("policy", "inspect"), "Missing required parameter: 'NAME'", "wharf policy inspect");
        assertUsageError(wharf("policy", "delete"), "Missing required parameter: 'NAME'", "wharf policy delete");
        assertUsageError(wharf("policy", "list", "-o", "yaml"),
                "Invalid value for option '--output': expected 'table' or 'json', not 'yaml'", "wharf policy list");
        assertUsageError(wharf("policy"), "Missing required subcommand", "wharf policy");
        assertFailed(wharf("policy", "create", "Nightly", "--schedule", "daily=02:00"), 2, "INVALID_NAME",
                "policy name 'Nightly' is not valid",
                "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        assertFailed(wharf("policy", "create", "nightly", "--schedule", " "), 2, "INVALID_ARGUMENT",
                "--schedule must not be empty", "write a schedule like --schedule daily=02:00,keep=7");
        assertThat(api.calls).hasValue(before);
    }

    @Test
    void policyCommandsHaveHelp() {
        CliRun help = succeeded(wharf("policy", "--help"));
        assertThat(help.out()).contains("Usage: wharf policy", "create", "list", "inspect", "delete");
        assertThat(succeeded(wharf("policy", "create", "--help")).out()).contains("--schedule=SCHEDULE");
        assertThat(succeeded(wharf("volume", "update", "--help")).out())
                .contains("Usage: wharf volume update", "--snapshot-schedule=SCHEDULE", "--schedule-policy=POLICY");
        assertThat(succeeded(wharf("--help")).out()).contains("policy");
    }

}
