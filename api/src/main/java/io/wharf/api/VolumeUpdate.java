package io.wharf.api;

/**
 * Changes to a volume's settings; a null field is left as it is, an empty string clears it.
 *
 * @param snapshotSchedule e.g. {@code periodic=60m,keep=5;daily=02:00,keep=7}
 * @param schedulePolicy   the name of a policy made with {@code wharf policy create}
 * @param repl             the number of replicas (1 to 3): new ones are placed and rebuilt online, extra ones
 *                         removed; null leaves it
 */
public record VolumeUpdate(String snapshotSchedule, String schedulePolicy, Integer repl) {
    public VolumeUpdate(String snapshotSchedule, String schedulePolicy) {
        this(snapshotSchedule, schedulePolicy, null);
    }
}
