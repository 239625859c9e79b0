/**
 * One client connection from accept to close: the handshake, then the transmission phase, then
 * release of everything the connection held.
 *
 * <p>Each connection runs on its own platform thread (handshake, then the transmission reader).
 * Closing a connection from outside (server shutdown, forced disconnect, timeout) closes its
 * socket and interrupts that thread; request threads are never interrupted, and the connection is
 * finished only when the last of them has returned its buffers.
 *
 * <p>Invariants: a connection's failure (bad input, a vanished client, an exception from an
 * export) ends that connection only; every connection that started ends with one log line
 * (debug) saying why; nothing is logged per request.
 */
package io.wharf.nbd.connection;
