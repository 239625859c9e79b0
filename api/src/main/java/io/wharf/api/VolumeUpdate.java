package io.wharf.api;

/**
 * Changes to a volume's settings; a null field is left as it is, an empty string clears it.
 *
 * @param snapshotSchedule e.g. {@code periodic=60m,keep=5;daily=02:00,keep=7}
 * @param schedulePolicy   the name of a policy made with {@code wharf policy create}
 */
public record VolumeUpdate(String snapshotSchedule, String schedulePolicy) {}
