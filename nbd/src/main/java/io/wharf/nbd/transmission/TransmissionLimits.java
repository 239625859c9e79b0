package io.wharf.nbd.transmission;

import io.wharf.nbd.buffer.BufferPool;

import java.util.concurrent.Semaphore;

/**
 * What all connections share for the transmission phase.
 *
 * @param pool payload buffers, bounded by the server's buffer budget
 * @param exportCalls permits for calls into exports ({@code ioThreads} of them)
 * @param maxInFlight requests per connection between header read and reply written
 * @param maxPayloadBytes largest read or write accepted
 * @param connectionBudgetPages payload pages (4 KiB) one connection may hold at once
 */
public record TransmissionLimits(
        BufferPool pool,
        Semaphore exportCalls,
        int maxInFlight,
        int maxPayloadBytes,
        int connectionBudgetPages) {

    public TransmissionLimits {
        if (maxInFlight < 1 || maxPayloadBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (connectionBudgetPages < BufferPool.pagesFor(maxPayloadBytes)) {
            throw new IllegalArgumentException("a connection's budget must hold one payload of the maximum size");
        }
    }
}
