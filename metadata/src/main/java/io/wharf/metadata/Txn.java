package io.wharf.metadata;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A transaction in etcd's shape: if every compare holds, the {@code onSuccess} ops run,
 * otherwise the {@code onFailure} ops; either way as one atomic write at one revision.
 *
 * <pre>{@code
 * store.txn(Txn.when(Compare.modRevision(key, seen))
 *         .then(Op.put(key, next))
 *         .otherwise());
 * }</pre>
 *
 * <p>Limits, the same as etcd's defaults so code that runs on the embedded store also runs on
 * etcd: at most {@value #MAX_OPS} compares and ops per branch, and no key written twice in one
 * branch.
 */
public record Txn(List<Compare> compares, List<Op> onSuccess, List<Op> onFailure) {
    /** etcd's default {@code --max-txn-ops}. */
    public static final int MAX_OPS = 128;

    public Txn {
        compares = List.copyOf(compares);
        onSuccess = List.copyOf(onSuccess);
        onFailure = List.copyOf(onFailure);
        requireWithinLimits("compares", compares.size());
        requireWithinLimits("success ops", onSuccess.size());
        requireWithinLimits("failure ops", onFailure.size());
        requireDistinctKeys(onSuccess);
        requireDistinctKeys(onFailure);
    }

    /** A transaction with these conditions and, so far, no ops. */
    public static Txn when(Compare... compares) {
        return new Txn(List.of(compares), List.of(), List.of());
    }

    /** An unconditional transaction: the ops always run. */
    public static Txn of(Op... ops) {
        return new Txn(List.of(), List.of(ops), List.of());
    }

    /** This transaction with {@code ops} added to the success branch. */
    public Txn then(Op... ops) {
        return new Txn(compares, concat(onSuccess, ops), onFailure);
    }

    /** This transaction with {@code ops} added to the failure branch. */
    public Txn otherwise(Op... ops) {
        return new Txn(compares, onSuccess, concat(onFailure, ops));
    }

    private static List<Op> concat(List<Op> head, Op[] tail) {
        List<Op> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static void requireWithinLimits(String what, int count) {
        if (count > MAX_OPS) {
            throw new IllegalArgumentException("transaction has " + count + " " + what + "; the limit is " + MAX_OPS);
        }
    }

    private static void requireDistinctKeys(List<Op> ops) {
        Set<Bytes> keys = new HashSet<>();
        for (Op op : ops) {
            if (!keys.add(op.key())) {
                throw new IllegalArgumentException("transaction writes key " + op.key() + " twice in one branch");
            }
        }
    }
}
