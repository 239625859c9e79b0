package io.wharf.metadata;

import java.util.List;

/**
 * The outcome of a {@link Txn}.
 *
 * @param succeeded whether every compare held, so the success branch ran
 * @param revision  the store revision after the transaction: the transaction's own revision
 *                  if it wrote anything, else the revision it was evaluated at
 * @param results   one result per op of the branch that ran, in order
 */
public record TxnResult(boolean succeeded, long revision, List<OpResult> results) {
    public TxnResult {
        results = List.copyOf(results);
    }
}
