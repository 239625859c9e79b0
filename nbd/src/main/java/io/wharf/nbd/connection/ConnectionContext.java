package io.wharf.nbd.connection;

import io.wharf.nbd.NbdExports;
import io.wharf.nbd.transmission.TransmissionLimits;

import java.util.function.Consumer;

/**
 * What every connection of a server shares.
 *
 * @param exports where export names are looked up
 * @param limits buffers, export-call permits and per-connection bounds
 * @param ioTimeoutMs how long a handshake, a reply write, and the drain at close may take
 * @param finished called once when a connection has released everything
 */
public record ConnectionContext(
        NbdExports exports,
        TransmissionLimits limits,
        long ioTimeoutMs,
        Consumer<Connection> finished) {}
