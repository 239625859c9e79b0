package io.wharf.nbd;

import java.util.List;
import java.util.Optional;

/** How the server finds exports by name; the node backs it with its volumes. */
public interface NbdExports {
    Optional<NbdExport> find(String name);

    /** Names for NBD_OPT_LIST. */
    List<String> names();
}
