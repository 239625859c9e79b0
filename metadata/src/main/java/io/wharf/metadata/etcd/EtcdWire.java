package io.wharf.metadata.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.WatchEvent;
import java.util.Arrays;

/** Our types as jetcd's and back. Key ranges follow etcd's rules for {@code range_end}. */
final class EtcdWire {
    /** As a range end: "to the end of the key space"; as a key: the smallest key. */
    private static final byte[] ZERO = {0};

    private EtcdWire() {}

    static ByteSequence bytes(Bytes bytes) {
        return ByteSequence.from(ByteString.copyFrom(bytes.asReadOnlyBuffer()));
    }

    static Bytes bytes(ByteSequence bytes) {
        return Bytes.of(bytes.getBytes());
    }

    /** The first key of the range of keys under {@code prefix}. */
    static ByteSequence rangeStart(Bytes prefix) {
        return prefix.isEmpty() ? ByteSequence.from(ZERO) : bytes(prefix);
    }

    /**
     * The exclusive end of the range of keys under {@code prefix}: the prefix with its last byte
     * that is not 0xff incremented and the rest cut off; {@code \0} (no end) for a prefix of only
     * 0xff bytes or none.
     */
    static ByteSequence rangeEnd(Bytes prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteSequence.from(Arrays.copyOf(end, i + 1));
            }
        }
        return ByteSequence.from(ZERO);
    }

    /** The smallest key after {@code key}, to continue a range after it. */
    static ByteSequence keyAfter(ByteSequence key) {
        return key.concat(ByteSequence.from(ZERO));
    }

    static KeyValue keyValue(io.etcd.jetcd.KeyValue kv) {
        return new KeyValue(bytes(kv.getKey()), bytes(kv.getValue()), kv.getCreateRevision(), kv.getModRevision(),
                kv.getVersion(), kv.getLease());
    }

    /** One event of a watch; a delete carries the revision of the delete as its mod revision. */
    static WatchEvent event(io.etcd.jetcd.watch.WatchEvent event) {
        io.etcd.jetcd.KeyValue kv = event.getKeyValue();
        return switch (event.getEventType()) {
            case PUT -> new WatchEvent.Put(keyValue(kv));
            case DELETE -> new WatchEvent.Delete(bytes(kv.getKey()), kv.getModRevision());
            case UNRECOGNIZED -> throw new IllegalStateException("etcd sent a watch event of unknown type for key "
                    + bytes(kv.getKey()) + " at revision " + kv.getModRevision());
        };
    }
}
