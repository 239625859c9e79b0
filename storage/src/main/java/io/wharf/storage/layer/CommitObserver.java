package io.wharf.storage.layer;

import java.io.IOException;

/**
 * Called by the flush path at each {@link CommitStage}, with the flush lock held. Production uses
 * {@link #NONE}; crash tests copy the pool directory from here, which is exactly what the disk
 * holds if the process is killed at that point.
 */
@FunctionalInterface
public interface CommitObserver {
    CommitObserver NONE = stage -> { };

    void reached(CommitStage stage) throws IOException;
}
