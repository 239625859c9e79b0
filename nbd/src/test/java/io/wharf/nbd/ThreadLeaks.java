package io.wharf.nbd;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks that a closed server left no platform thread behind (its threads carry its port). */
final class ThreadLeaks {
    private ThreadLeaks() {}

    static void assertNoneFor(NbdServer server) {
        String port = String.valueOf(server.port());
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .filteredOn(name -> name.equals("nbd-accept-" + port) || name.equals("nbd-watchdog-" + port)
                        || name.startsWith("nbd-" + port + "-"))
                .as("threads of the closed server on port %s", port)
                .isEmpty();
    }
}
