package io.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.ReplicationInfo;
import io.wharf.api.VolumeChecksum;
import io.wharf.core.ByteSize;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code wharf volume inspect} of a replicated volume, {@code volume checksum} and {@code --repl} refusals, against a real ApiServer. */
class CliReplicationTest extends CliAgainstApiServer {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    @Test
    void inspectShowsTheEpochTargetAndEachReplicaWithCopyProgress() {
        api.put("pg", ByteSize.GIB, 0, 0, Map.of());
        api.volumes.put("pg", api.volumes.get("pg").withReplication(new ReplicationInfo(3, 4, "node-b", List.of(
                new ReplicationInfo.Replica("node-1", "in-sync", 0, 0),
                new ReplicationInfo.Replica("node-b", "in-sync", 0, 0),
                new ReplicationInfo.Replica("node-c", "resyncing", 410, 1024)))));

        String out = succeeded(wharf("volume", "inspect", "pg")).out();

        assertThat(out).contains("Replication       repl 3, epoch 4, target node-b\n")
                .contains("  replica node-1  in-sync\n")
                .contains("  replica node-c  resyncing 40% (410/1024 regions)\n");
    }

    @Test
    void checksumPrintsADigestPerCopyAndFailsWhenTheReplicasInSyncDiffer() {
        api.put("pg", ByteSize.GIB, 0, 0, Map.of());
        api.checksums.put("pg", new VolumeChecksum("pg", true, List.of(new VolumeChecksum.Replica("node-1", "in-sync", A, null),
                new VolumeChecksum.Replica("node-b", "in-sync", A, null),
                new VolumeChecksum.Replica("node-c", "out-of-sync", null, "UNAVAILABLE: node-c is offline"))));
        assertThat(succeeded(wharf("volume", "checksum", "pg")).out()).isEqualTo("""
                NODE    STATE        SHA-256
                node-1  in-sync      %s
                node-b  in-sync      %s
                node-c  out-of-sync  (UNAVAILABLE: node-c is offline)
                """.formatted(A, A));

        api.checksums.put("pg", new VolumeChecksum("pg", false, List.of(new VolumeChecksum.Replica("node-1", "in-sync", A, null),
                new VolumeChecksum.Replica("node-b", "in-sync", B, null))));
        CliRun differ = wharf("volume", "checksum", "pg");
        assertThat(differ.exitCode()).isEqualTo(io.wharf.core.ErrorCode.IO_ERROR.exitCode());
        assertThat(differ.out()).contains("node-b  in-sync  " + B);
        assertThat(differ.err()).contains("the replicas in sync of volume 'pg' differ").contains("(code: IO_ERROR)");
        assertNoStackTrace(differ);
    }

    @Test
    void replOutOfRangeIsRefusedBeforeAnyRequest() {
        assertFailed(wharf("volume", "create", "pg", "--size", "1GiB", "--repl", "4"), 2, "INVALID_ARGUMENT",
                "--repl must be 1, 2 or 3, not 4", "a volume keeps at most 3 synchronous copies");
        assertFailed(wharf("volume", "update", "pg", "--repl", "0"), 2, "INVALID_ARGUMENT",
                "--repl must be 1, 2 or 3, not 0", "a volume keeps at most 3 synchronous copies");
        assertThat(api.volumes).doesNotContainKey("pg");
    }
}
