package io.wharf.backup.format;

/** The keys of a backup target (see the package comment). */
public final class Layout {
    public static final String DESCRIPTOR = "wharf-backup.json";
    public static final String CHUNKS = "chunks/";
    public static final String MANIFESTS = "manifests/";
    public static final String IN_PROGRESS = "inprogress/";
    public static final String GC = "gc/";
    public static final String MANIFEST_SUFFIX = ".manifest";
    public static final String SUMMARY_SUFFIX = ".summary";
    public static final String MARKER = "marker";
    public static final String JOURNAL = "journal-";

    private Layout() {}

    public static String chunk(String chunkId) {
        return CHUNKS + chunkId.substring(0, 2) + "/" + chunkId;
    }

    /** The chunk id of a key under {@link #CHUNKS}, or null if the key is not a chunk's. */
    public static String chunkIdOf(String key) {
        if (!key.startsWith(CHUNKS)) {
            return null;
        }
        int slash = key.lastIndexOf('/');
        String id = key.substring(slash + 1);
        return id.length() == 64 && key.equals(chunk(id)) ? id : null;
    }

    public static String manifest(String backupId) {
        return MANIFESTS + backupId + MANIFEST_SUFFIX;
    }

    public static String summary(String backupId) {
        return MANIFESTS + backupId + SUMMARY_SUFFIX;
    }

    public static String inProgress(String backupId) {
        return IN_PROGRESS + backupId + "/";
    }

    public static String marker(String backupId) {
        return inProgress(backupId) + MARKER;
    }

    public static String journal(String backupId, long sequence) {
        return inProgress(backupId) + JOURNAL + String.format("%010d", sequence);
    }

    public static String gcRun(String runId) {
        return GC + runId;
    }
}
