package io.wharf.it;

import java.io.IOException;

/** Whether an export exists, as a client sees it at the handshake. */
final class TinyNbdClientProbe {
    private TinyNbdClientProbe() {}

    static boolean exists(int port, String export) {
        return exists("127.0.0.1", port, export);
    }

    static boolean exists(String host, int port, String export) {
        try (TinyNbdClient client = new TinyNbdClient(host, port, export)) {
            return client.sizeBytes() > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
