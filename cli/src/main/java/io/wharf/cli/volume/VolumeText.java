package io.wharf.cli.volume;

import io.wharf.api.ReplicationInfo;
import io.wharf.api.VolumeInfo;
import io.wharf.core.ByteSize;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** How volumes read for people. */
final class VolumeText {
    private VolumeText() {}

    static String labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return "";
        }
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static String size(long bytes) {
        return ByteSize.format(bytes);
    }

    static String state(VolumeInfo volume) {
        return volume.clients() > 0
                ? volume.state() + " (" + volume.clients() + (volume.clients() == 1 ? " client)" : " clients)")
                : volume.state();
    }

    /** {@code in-sync}, or {@code resyncing 40% (410/1024 regions)} while a copy runs. */
    static String replicaState(ReplicationInfo.Replica replica) {
        if (replica.regionsToCopy() <= 0) {
            return replica.state();
        }
        return replica.state() + " " + (100 * replica.regionsCopied() / replica.regionsToCopy()) + "% (" + replica.regionsCopied()
                + "/" + replica.regionsToCopy() + " regions)";
    }
}
