package io.wharf.backup;

/**
 * What a garbage collection found and did.
 *
 * @param runId              the collection's record in the target ({@code gc/<runId>})
 * @param chunks             chunk objects listed
 * @param referencedChunks   distinct chunks named by manifests and in-progress journals
 * @param deletedChunks      unreferenced chunks deleted (or, in a dry run, that would be)
 * @param deletedBytes       their stored size
 * @param keptYoungChunks    unreferenced chunks kept because they are younger than the minimum age
 * @param backupsInProgress  in-progress backups whose journals were honoured
 */
public record GcResult(String runId, long chunks, long referencedChunks, long deletedChunks, long deletedBytes,
                       long keptYoungChunks, int backupsInProgress) {}
