package io.wharf.metadata;

import java.util.Objects;
import java.util.Optional;

/**
 * A condition of a {@link Txn}, evaluated against the store at the moment the transaction
 * commits. A key that does not exist has create revision, mod revision and version 0, as in
 * etcd; a value comparison on a missing key is false.
 */
public sealed interface Compare {
    Bytes key();

    /** True when {@code key}'s mod revision is {@code modRevision}; 0 means "absent". */
    record ModRevisionEquals(Bytes key, long modRevision) implements Compare {
        public ModRevisionEquals {
            Objects.requireNonNull(key, "key");
            if (modRevision < 0) {
                throw new IllegalArgumentException("mod revision " + modRevision + " is negative");
            }
        }
    }

    /** True when {@code key} does not exist (create revision 0, version 0). */
    record Absent(Bytes key) implements Compare {
        public Absent {
            Objects.requireNonNull(key, "key");
        }
    }

    /** True when {@code key} exists and holds exactly {@code value}. */
    record ValueEquals(Bytes key, Bytes value) implements Compare {
        public ValueEquals {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Evaluates this condition against what the store holds for {@link #key()}. */
    default boolean test(Optional<KeyValue> current) {
        return switch (this) {
            case ModRevisionEquals c -> current.map(KeyValue::modRevision).orElse(0L) == c.modRevision();
            case Absent c -> current.isEmpty();
            case ValueEquals c -> current.map(kv -> kv.value().equals(c.value())).orElse(false);
        };
    }

    static Compare modRevision(Bytes key, long modRevision) {
        return new ModRevisionEquals(key, modRevision);
    }

    static Compare modRevision(String key, long modRevision) {
        return new ModRevisionEquals(Bytes.of(key), modRevision);
    }

    static Compare absent(Bytes key) {
        return new Absent(key);
    }

    static Compare absent(String key) {
        return new Absent(Bytes.of(key));
    }

    static Compare valueEquals(Bytes key, Bytes value) {
        return new ValueEquals(key, value);
    }

    static Compare valueEquals(String key, String value) {
        return new ValueEquals(Bytes.of(key), Bytes.of(value));
    }
}
