package io.wharf.backup;

import io.wharf.backup.crypto.EncryptionSecret;
import io.wharf.backup.crypto.KeyRing;
import io.wharf.backup.format.CorruptObjectException;
import io.wharf.backup.format.Envelope;
import io.wharf.backup.format.GcRun;
import io.wharf.backup.format.Json;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.Manifest;
import io.wharf.backup.format.Marker;
import io.wharf.backup.format.ObjectKind;
import io.wharf.backup.format.Summary;
import io.wharf.backup.format.TargetDescriptor;
import io.wharf.backup.target.BackupTarget;
import io.wharf.backup.target.BackupTarget.ObjectInfo;
import io.wharf.core.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One opened target: its descriptor checked, its keys derived, and typed reads and writes of the
 * metadata objects (see {@link io.wharf.backup.format} for their layout).
 */
final class Repository {
    private static final Logger LOG = LoggerFactory.getLogger(Repository.class);

    final BackupTarget target;
    final Envelope envelope;
    final Clock clock;

    private Repository(BackupTarget target, Envelope envelope, Clock clock) {
        this.target = target;
        this.envelope = envelope;
        this.clock = clock;
    }

    /** Probes the target, initialises it when empty, checks the key. */
    static Repository open(BackupTarget target, BackupConfig config, EncryptionSecret secret, Clock clock) {
        target.probe();
        TargetDescriptor descriptor = readDescriptor(target).orElseGet(() -> initialise(target, config, secret, clock));
        KeyRing keys = keys(target, descriptor, secret);
        return new Repository(target, new Envelope(keys, config.compressionLevel()), clock);
    }

    private static Optional<TargetDescriptor> readDescriptor(BackupTarget target) {
        Optional<byte[]> bytes = target.get(Layout.DESCRIPTOR);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        TargetDescriptor descriptor;
        try {
            descriptor = Json.read(bytes.get(), TargetDescriptor.class);
        } catch (CorruptObjectException e) {
            throw new BackupException(BackupError.TARGET_FORMAT, Layout.DESCRIPTOR + " in " + target.describe() + " is damaged: " + e.getMessage(),
                    "restore the file from a copy; without it the target's backups cannot be read", e);
        }
        if (!TargetDescriptor.KIND.equals(descriptor.kind())) {
            throw new BackupException(BackupError.TARGET_FORMAT, target.describe() + " holds a " + Layout.DESCRIPTOR + " that is not Wharf's",
                    "give a directory or prefix of its own to Wharf's backups");
        }
        if (descriptor.format() > TargetDescriptor.FORMAT) {
            throw new BackupException(BackupError.TARGET_FORMAT, target.describe() + " was written in backup format " + descriptor.format()
                    + "; this version reads format " + TargetDescriptor.FORMAT, "upgrade Wharf on this node");
        }
        return Optional.of(descriptor);
    }

    private static TargetDescriptor initialise(BackupTarget target, BackupConfig config, EncryptionSecret secret, Clock clock) {
        if (!target.list(Layout.MANIFESTS).isEmpty() || !target.list(Layout.IN_PROGRESS).isEmpty()) {
            throw new BackupException(BackupError.TARGET_FORMAT, target.describe() + " holds backups but no " + Layout.DESCRIPTOR,
                    "restore " + Layout.DESCRIPTOR + " from a copy; without it the backups cannot be read");
        }
        TargetDescriptor.Encryption encryption = null;
        if (secret != null) {
            byte[] salt = KeyRing.newSalt();
            int iterations = secret.kdf().equals(EncryptionSecret.PBKDF2) ? config.pbkdf2Iterations() : 0;
            KeyRing keys = KeyRing.derive(secret, salt, iterations);
            encryption = new TargetDescriptor.Encryption("aes-256-gcm", secret.kdf(), iterations,
                    Base64.getEncoder().encodeToString(salt), keys.keyCheck(), "hmac-sha256");
        }
        TargetDescriptor descriptor = new TargetDescriptor(TargetDescriptor.FORMAT, TargetDescriptor.KIND, clock.now(), encryption);
        target.put(Layout.DESCRIPTOR, Json.write(descriptor));
        // two engines initialising at once: the last put wins; read back so both use the winner
        TargetDescriptor stored = readDescriptor(target).orElseThrow();
        LOG.atInfo().setMessage("backup target initialised").addKeyValue("target", target.describe())
                .addKeyValue("encrypted", stored.encryption() != null).log();
        return stored;
    }

    private static KeyRing keys(BackupTarget target, TargetDescriptor descriptor, EncryptionSecret secret) {
        TargetDescriptor.Encryption encryption = descriptor.encryption();
        if (encryption == null) {
            if (secret != null) {
                throw new BackupException(BackupError.ENCRYPTION_NOT_ENABLED, target.describe() + " stores backups unencrypted; an encryption key was given",
                        "give no key for this target, or use a new target for encrypted backups");
            }
            return KeyRing.plaintext();
        }
        if (secret == null) {
            throw new BackupException(BackupError.ENCRYPTION_KEY_REQUIRED, target.describe() + " is encrypted and no key was given",
                    "give the passphrase or key file the target was created with");
        }
        if (!secret.kdf().equals(encryption.kdf())) {
            String wanted = encryption.kdf().equals(EncryptionSecret.PBKDF2) ? "a passphrase" : "a key file";
            throw new BackupException(BackupError.ENCRYPTION_KEY_WRONG, target.describe() + " was encrypted with " + wanted
                    + "; another kind of key was given", "give " + wanted);
        }
        KeyRing keys = KeyRing.derive(secret, Base64.getDecoder().decode(encryption.salt()), encryption.iterations());
        if (!keys.keyCheck().equals(encryption.keyCheck())) {
            throw new BackupException(BackupError.ENCRYPTION_KEY_WRONG, "the encryption key does not match the one " + target.describe()
                    + " was created with", "give the passphrase or key file the target was created with; it cannot be recovered from the target");
        }
        return keys;
    }

    KeyRing keys() {
        return envelope.keys();
    }

    /** Writes a metadata record in an envelope; the key is the authenticated name. */
    void write(String key, ObjectKind kind, Object record) {
        target.put(key, envelope.encode(kind, key, Json.write(record)));
    }

    /** Reads a metadata record; empty when the object is missing; METADATA_CORRUPT when it does not decode. */
    <T> Optional<T> read(String key, ObjectKind kind, Class<T> type) {
        Optional<byte[]> stored = target.get(key);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(envelope.decode(kind, key, stored.get()), type));
        } catch (CorruptObjectException e) {
            throw new BackupException(BackupError.METADATA_CORRUPT, key + " in " + target.describe() + " cannot be read: " + e.getMessage(),
                    "the object was altered or damaged in the target", e);
        }
    }

    Optional<Manifest> manifest(String backupId) {
        return read(Layout.manifest(backupId), ObjectKind.MANIFEST, Manifest.class);
    }

    /** The info of a complete backup (its manifest exists). */
    Optional<BackupInfo> complete(String backupId) {
        if (!target.exists(Layout.manifest(backupId))) {
            return Optional.empty();
        }
        Optional<Summary> summary = read(Layout.summary(backupId), ObjectKind.SUMMARY, Summary.class);
        if (summary.isPresent()) {
            return Optional.of(summary.get().info());
        }
        return manifest(backupId).map(Manifest::info);
    }

    /** Every complete backup, oldest first. */
    List<BackupInfo> backups() {
        List<BackupInfo> backups = new ArrayList<>();
        for (String id : completeIds()) {
            complete(id).ifPresent(backups::add); // gone meanwhile: deleted
        }
        backups.sort(Comparator.comparing(BackupInfo::createdAt).thenComparing(BackupInfo::backupId));
        return backups;
    }

    List<String> completeIds() {
        List<String> ids = new ArrayList<>();
        for (ObjectInfo object : target.list(Layout.MANIFESTS)) {
            String name = object.key().substring(Layout.MANIFESTS.length());
            if (name.endsWith(Layout.MANIFEST_SUFFIX)) {
                ids.add(name.substring(0, name.length() - Layout.MANIFEST_SUFFIX.length()));
            }
        }
        return ids;
    }

    Optional<Marker> marker(String backupId) {
        return read(Layout.marker(backupId), ObjectKind.MARKER, Marker.class);
    }

    /** Ids with anything under {@code inprogress/}. */
    Set<String> inProgressIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (ObjectInfo object : target.list(Layout.IN_PROGRESS)) {
            String rest = object.key().substring(Layout.IN_PROGRESS.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                ids.add(rest.substring(0, slash));
            }
        }
        return ids;
    }

    List<GcRun> gcRuns() {
        List<GcRun> runs = new ArrayList<>();
        for (ObjectInfo object : target.list(Layout.GC)) {
            read(object.key(), ObjectKind.GC_RUN, GcRun.class).ifPresent(runs::add);
        }
        return runs;
    }

}
