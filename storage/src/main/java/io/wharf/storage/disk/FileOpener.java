package io.wharf.storage.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** Opens the channels of layer files; a seam so tests can inject disk faults such as ENOSPC. */
@FunctionalInterface
public interface FileOpener {
    FileOpener DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}
