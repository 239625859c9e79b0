package io.wharf.backup.target;

import java.util.List;
import java.util.Optional;

/**
 * An object store holding backups: whole objects by key, nothing else. Keys are relative to the
 * target's root (an S3 prefix or a directory) and use {@code /} as separator; they are made of
 * {@code [A-Za-z0-9._-]} segments (see {@link #requireValidKey}).
 *
 * <p>What the engine relies on (true of S3 since December 2020 and of a local directory):
 * <ul>
 * <li>{@link #put} is atomic: readers see the old object, or the new one whole, never part of it.</li>
 * <li>Strong read-after-write and list-after-write consistency: once {@code put} or {@code delete}
 *     returned, every later {@code get}, {@code exists} and {@code list} sees it.</li>
 * </ul>
 *
 * <p>Every method throws {@link io.wharf.backup.BackupException} (TARGET_*) when the target fails;
 * a missing object is not a failure. Implementations are safe for concurrent use.
 */
public interface BackupTarget extends AutoCloseable {
    /** Stores {@code data} under {@code key}, replacing any object there. */
    void put(String key, byte[] data);

    /** The object's content, or empty when there is none. */
    Optional<byte[]> get(String key);

    /** The object's size and modification time, or empty when there is none. */
    Optional<ObjectInfo> stat(String key);

    default boolean exists(String key) {
        return stat(key).isPresent();
    }

    /** Deletes the object; deleting a missing object is not an error. */
    void delete(String key);

    /** Every object whose key starts with {@code prefix}, sorted by key. */
    List<ObjectInfo> list(String prefix);

    /**
     * Checks that the target is there and usable (bucket exists, credentials accepted, directory
     * writable), with an error that says which.
     */
    void probe();

    /** Where the target is, for messages and logs; never holds a secret. */
    String describe();

    @Override
    void close();

    /** One listed object. */
    record ObjectInfo(String key, long sizeBytes, java.time.Instant lastModified) {}

    /** Returns {@code key} if it is a valid object key, else throws IllegalArgumentException. */
    static String requireValidKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 512 || key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("bad object key " + key);
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.startsWith(".")) {
                throw new IllegalArgumentException("bad object key " + key);
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '.' || c == '_' || c == '-';
                if (!ok) {
                    throw new IllegalArgumentException("bad object key " + key);
                }
            }
        }
        return key;
    }
}
