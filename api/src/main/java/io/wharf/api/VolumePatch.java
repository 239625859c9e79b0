package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;

/**
 * The body of {@code PATCH /v1/volumes/{name}}: any non-empty subset of the fields. {@code sizeBytes}
 * grows the volume; {@code snapshotSchedule} and {@code schedulePolicy} set ({@code ""} clears) the
 * volume's schedule. A field left out, or null, is left unchanged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumePatch(
        Long sizeBytes,
        String snapshotSchedule,
        String schedulePolicy) {

    /** This patch, refused with {@code INVALID_ARGUMENT} when it changes nothing. */
    public VolumePatch requireNotEmpty() {
        if (sizeBytes == null && snapshotSchedule == null && schedulePolicy == null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "request body changes nothing; give at least one of sizeBytes, snapshotSchedule, schedulePolicy",
                    "e.g. {\"sizeBytes\": 21474836480} or {\"snapshotSchedule\": \"daily=02:00,keep=7\"}");
        }
        return this;
    }

    /** The schedule part, or null when the patch does not touch the schedule. */
    public VolumeUpdate scheduleUpdate() {
        return snapshotSchedule == null && schedulePolicy == null
                ? null : new VolumeUpdate(snapshotSchedule, schedulePolicy);
    }
}
