package io.wharf.cli.backup;

import io.wharf.api.BackupApi;
import io.wharf.api.BackupStatus;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.PrintWriter;

/** Polls a backup or restore job until it ends, printing its progress now and then. */
final class JobWait {
    private static final long POLL_MS = 250;
    private static final long PRINT_EVERY_MS = 5000;

    private JobWait() {}

    /** The job's end; a failed job throws with its error (the job's code, IO_ERROR when it has none). */
    static BackupStatus until(BackupApi api, String jobId, PrintWriter out) {
        long lastPrint = System.currentTimeMillis();
        while (true) {
            BackupStatus job = api.getBackupJob(jobId);
            switch (job.state()) {
                case "done" -> {
                    return job;
                }
                case "failed" -> throw failure(job);
                default -> { }
            }
            long now = System.currentTimeMillis();
            if (now - lastPrint >= PRINT_EVERY_MS && job.totalBytes() > 0) {
                lastPrint = now;
                out.println("  " + job.kind() + " " + job.id() + ": " + ByteSize.format(job.doneBytes()) + " of "
                        + ByteSize.format(job.totalBytes()));
                out.flush();
            }
            try {
                Thread.sleep(POLL_MS); // polling a remote job's state; nothing to wait on locally
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WharfException(ErrorCode.UNAVAILABLE, "interrupted while waiting for " + jobId,
                        "the job goes on; follow it with `wharf backup inspect`");
            }
        }
    }

    private static WharfException failure(BackupStatus job) {
        String error = job.error() == null ? "" : job.error();
        ErrorCode code = ErrorCode.IO_ERROR;
        int colon = error.indexOf(':');
        if (colon > 0) {
            String prefix = error.substring(0, colon);
            ErrorCode named = ErrorCode.parse(prefix);
            if (named != ErrorCode.INTERNAL || prefix.equals("INTERNAL")) { // else not prefixed by a code: keep the whole text
                code = named;
                error = error.substring(colon + 1).strip();
            }
        }
        return new WharfException(code, job.kind() + " " + job.id() + " failed: " + error,
                "fix the cause and start it again; `wharf backup list` shows the jobs");
    }
}
