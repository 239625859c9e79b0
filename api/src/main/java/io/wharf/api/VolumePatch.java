package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;

/**
 * The body of {@code PATCH /v1/volumes/{name}}: any non-empty subset of the fields. {@code sizeBytes}
 * grows the volume; {@code snapshotSchedule} and {@code schedulePolicy} set ({@code ""} clears) the
 * volume's schedule; {@code repl} changes how many replicas a replicated volume has (adding ones are
 * rebuilt online). A field left out, or null, is left unchanged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumePatch(
        Long sizeBytes,
        String snapshotSchedule,
        String schedulePolicy,
        Integer repl) {

    public VolumePatch(Long sizeBytes, String snapshotSchedule, String schedulePolicy) {
        this(sizeBytes, snapshotSchedule, schedulePolicy, null);
    }

    /** This patch, refused with {@code INVALID_ARGUMENT} when it changes nothing. */
    public VolumePatch requireNotEmpty() {
        if (sizeBytes == null && snapshotSchedule == null && schedulePolicy == null && repl == null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "request body changes nothing; give at least one of sizeBytes, snapshotSchedule, schedulePolicy, repl",
                    "e.g. {\"sizeBytes\": 21474836480} or {\"snapshotSchedule\": \"daily=02:00,keep=7\"}");
        }
        return this;
    }

    /** The schedule and replica part, or null when the patch touches neither. */
    public VolumeUpdate settingsUpdate() {
        return snapshotSchedule == null && schedulePolicy == null && repl == null
                ? null : new VolumeUpdate(snapshotSchedule, schedulePolicy, repl);
    }
}
