package io.wharf.metadata.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Compare;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Listing;
import io.wharf.metadata.Op;
import io.wharf.metadata.OpResult;
import io.wharf.metadata.Txn;
import io.wharf.metadata.TxnResult;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchListener;
import io.wharf.metadata.etcd.EtcdCalls.Answer;
import io.wharf.metadata.etcd.EtcdCalls.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterStore} of a multi-node cluster: etcd v3 through jetcd. The interface is
 * etcd's data model, so most methods are one etcd request; see the package documentation for
 * the mapping and for where etcd's behaviour differs from the embedded store's.
 *
 * <p>Every request is bounded by {@link EtcdStoreConfig#requestTimeout()}. A request that gets
 * no answer in time, or cannot reach etcd at all, fails with {@code UNAVAILABLE} naming the
 * endpoints; the store itself stays usable and works again once etcd answers.
 */
public final class EtcdStore implements ClusterStore {
    /** Keys per request of a {@link #listing}; pages are read at one revision. */
    static final int LISTING_PAGE_KEYS = 500;
    /**
     * The largest answer accepted from etcd (jetcd's default is 4 MiB): a listing page or a watch
     * batch of up to 1,000 revisions can be larger than one request (at most 1.5 MiB).
     */
    static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(EtcdStore.class);
    private static final int LISTING_ATTEMPTS = 3;
    /** gRPC allows no shorter keep-alive time; etcd's default minimum is 5 s. */
    private static final Duration CONNECTION_KEEPALIVE_TIME = Duration.ofSeconds(10);
    private static final ByteSequence SMALLEST_KEY = ByteSequence.from(new byte[] {0});

    private final EtcdStoreConfig config;
    private final Client client;
    private final ExecutorService executor;
    private final KV kv;
    private final Lease leases;
    private final EtcdCalls calls;
    private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
    private final int watchBufferEvents;
    private final Object lifecycle = new Object();
    private boolean closed;

    private EtcdStore(EtcdStoreConfig config, Client client, ExecutorService executor, int watchBufferEvents) {
        this.config = config;
        this.watchBufferEvents = watchBufferEvents;
        this.client = client;
        this.executor = executor;
        this.kv = client.getKVClient();
        this.leases = client.getLeaseClient();
        this.calls = new EtcdCalls(config);
    }

    /**
     * Connects to etcd and checks that it answers.
     *
     * @throws WharfException {@code UNAVAILABLE} if etcd does not answer within the request timeout
     */
    public static EtcdStore open(EtcdStoreConfig config) {
        return open(config, EtcdWatch.MAX_BUFFERED_EVENTS);
    }

    /** {@link #open(EtcdStoreConfig)} with another bound on each watch's buffer, for tests. */
    static EtcdStore open(EtcdStoreConfig config, int watchBufferEvents) {
        Objects.requireNonNull(config, "config");
        // jetcd runs its request set-up and retries here; the waiting is done by callers' threads.
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("wharf-etcd-", 0).factory());
        Client client;
        try {
            client = Client.builder()
                    .endpoints(config.endpoints().stream().map(EtcdStoreConfig.Endpoint::httpUri).toArray(String[]::new))
                    .connectTimeout(config.connectTimeout())
                    .keepaliveTime(CONNECTION_KEEPALIVE_TIME)
                    .keepaliveTimeout(config.requestTimeout())
                    .retryMaxDuration(config.requestTimeout())
                    .maxInboundMessageSize(MAX_RESPONSE_BYTES)
                    .executorService(executor)
                    .interceptor(new CallDeadlines(config.requestTimeout()))
                    .build();
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        EtcdStore store = new EtcdStore(config, client, executor, watchBufferEvents);
        try {
            long revision = store.revision();
            LOG.atInfo().setMessage("cluster store connected to etcd").addKeyValue("endpoints", config.url())
                    .addKeyValue("revision", revision).addKeyValue("requestTimeoutMs", config.requestTimeout().toMillis())
                    .addKeyValue("connectTimeoutMs", config.connectTimeout().toMillis()).log();
            return store;
        } catch (WharfException e) {
            store.close();
            throw new WharfException(e.code(), "cannot open the cluster store at " + config.url() + ": " + e.getMessage(),
                    e.hint(), e);
        } catch (RuntimeException | Error e) {
            store.close();
            throw e;
        }
    }

    @Override
    public Optional<KeyValue> get(Bytes key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            calls.ensureOpen();
            return Optional.empty();
        }
        GetResponse response = calls.call("read of " + key, Kind.READ, () -> kv.get(EtcdWire.bytes(key))).orThrow();
        return response.getKvs().stream().findFirst().map(EtcdWire::keyValue);
    }

    /**
     * Reads the keys in pages of {@value #LISTING_PAGE_KEYS}, each page at the revision of the
     * first, so the listing is one consistent view however large. If etcd compacts that revision
     * between pages, the listing starts over.
     */
    @Override
    public Listing listing(Bytes prefix) {
        Objects.requireNonNull(prefix, "prefix");
        for (int attempt = 1; attempt <= LISTING_ATTEMPTS; attempt++) {
            Optional<Listing> listing = listingAtOneRevision(prefix);
            if (listing.isPresent()) {
                return listing.get();
            }
            LOG.atInfo().setMessage("listing outran by compaction; starting over").addKeyValue("prefix", prefix)
                    .addKeyValue("attempt", attempt).log();
        }
        throw new WharfException(ErrorCode.UNAVAILABLE, "listing of " + prefix + " was compacted away "
                + LISTING_ATTEMPTS + " times while it was being read", "compact less often, then retry");
    }

    /** The listing, or empty if its revision was compacted before the last page was read. */
    private Optional<Listing> listingAtOneRevision(Bytes prefix) {
        ByteSequence end = EtcdWire.rangeEnd(prefix);
        ByteSequence from = EtcdWire.rangeStart(prefix);
        long revision = 0;
        List<KeyValue> found = new ArrayList<>();
        while (true) {
            GetOption page = GetOption.builder().withRange(end).withLimit(LISTING_PAGE_KEYS).withRevision(revision).build();
            ByteSequence start = from;
            Answer<GetResponse> answer = calls.call("listing of " + prefix, Kind.READ, () -> kv.get(start, page));
            if (revision != 0 && answer instanceof Answer.Refused<GetResponse> refused
                    && refused.code() == Status.Code.OUT_OF_RANGE) {
                return Optional.empty();
            }
            GetResponse response = answer.orThrow();
            if (revision == 0) {
                revision = response.getHeader().getRevision();
            }
            List<io.etcd.jetcd.KeyValue> kvs = response.getKvs();
            kvs.forEach(kv -> found.add(EtcdWire.keyValue(kv)));
            if (!response.isMore() || kvs.isEmpty()) {
                return Optional.of(new Listing(revision, found));
            }
            from = EtcdWire.keyAfter(kvs.getLast().getKey());
        }
    }

    @Override
    public long revision() {
        GetOption countOnly = GetOption.builder().withCountOnly(true).build();
        return calls.call("revision read", Kind.READ, () -> kv.get(SMALLEST_KEY, countOnly)).orThrow()
                .getHeader().getRevision();
    }

    @Override
    public TxnResult txn(Txn txn) {
        Objects.requireNonNull(txn, "txn");
        Cmp[] compares = txn.compares().stream().map(EtcdStore::compare).toArray(Cmp[]::new);
        io.etcd.jetcd.op.Op[] onSuccess = txn.onSuccess().stream().map(EtcdStore::op).toArray(io.etcd.jetcd.op.Op[]::new);
        io.etcd.jetcd.op.Op[] onFailure = txn.onFailure().stream().map(EtcdStore::op).toArray(io.etcd.jetcd.op.Op[]::new);
        Answer<TxnResponse> answer = calls.call("transaction", Kind.WRITE,
                () -> kv.txn().If(compares).Then(onSuccess).Else(onFailure).commit());
        if (answer instanceof Answer.Refused<TxnResponse> refused && refused.code() == Status.Code.NOT_FOUND) {
            throw new WharfException(ErrorCode.NOT_FOUND, "a lease of this transaction (" + leasesOf(txn) + ") has ended (etcd: "
                    + refused.reason() + "); nothing was written", "grant a new lease and write the key again");
        }
        TxnResponse response = answer.orThrow();
        List<Op> ran = response.isSucceeded() ? txn.onSuccess() : txn.onFailure();
        return new TxnResult(response.isSucceeded(), response.getHeader().getRevision(), results(ran, response));
    }

    /** jetcd groups a transaction's results by type; this puts them back in op order. */
    private static List<OpResult> results(List<Op> ran, TxnResponse response) {
        Iterator<PutResponse> puts = response.getPutResponses().iterator();
        Iterator<DeleteResponse> deletes = response.getDeleteResponses().iterator();
        List<OpResult> results = new ArrayList<>(ran.size());
        for (Op op : ran) {
            results.add(switch (op) {
                case Op.Put put -> {
                    PutResponse result = puts.next();
                    yield new OpResult.Put(result.hasPrevKv()
                            ? Optional.of(EtcdWire.keyValue(result.getPrevKv())) : Optional.empty());
                }
                case Op.Delete delete -> new OpResult.Delete(
                        deletes.next().getPrevKvs().stream().findFirst().map(EtcdWire::keyValue));
            });
        }
        if (puts.hasNext() || deletes.hasNext()) {
            throw new IllegalStateException("etcd answered a transaction of " + ran.size() + " ops with more results");
        }
        return results;
    }

    private static Cmp compare(Compare compare) {
        ByteSequence key = EtcdWire.bytes(compare.key());
        return switch (compare) {
            case Compare.ModRevisionEquals c -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(c.modRevision()));
            case Compare.Absent c -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0));
            case Compare.ValueEquals c -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(EtcdWire.bytes(c.value())));
        };
    }

    private static io.etcd.jetcd.op.Op op(Op op) {
        ByteSequence key = EtcdWire.bytes(op.key());
        return switch (op) {
            case Op.Put put -> io.etcd.jetcd.op.Op.put(key, EtcdWire.bytes(put.value()),
                    PutOption.builder().withLeaseId(put.leaseId()).withPrevKV().build());
            case Op.Delete delete -> io.etcd.jetcd.op.Op.delete(key, DeleteOption.builder().withPrevKV(true).build());
        };
    }

    private static String leasesOf(Txn txn) {
        return Stream.concat(txn.onSuccess().stream(), txn.onFailure().stream())
                .flatMap(op -> op instanceof Op.Put put && put.leaseId() != NO_LEASE ? Stream.of(put.leaseId()) : Stream.empty())
                .distinct()
                .map(String::valueOf)
                .collect(Collectors.joining(", "));
    }

    @Override
    public Watch watch(Bytes prefix, long fromRevision, WatchListener listener) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        if (fromRevision < 0) {
            throw new IllegalArgumentException("watch from revision " + fromRevision + " is negative");
        }
        synchronized (lifecycle) {
            calls.ensureOpen();
            EtcdWatch watch = new EtcdWatch(client.getWatchClient(), prefix, fromRevision, listener, watches::remove,
                    watchBufferEvents);
            watches.add(watch);
            watch.start();
            return watch;
        }
    }

    /**
     * etcd's compaction at {@code revision}. Compacting at or before an earlier compaction does
     * nothing, as in the embedded store.
     *
     * @throws IllegalArgumentException if {@code revision} is after the store's revision
     */
    @Override
    public void compact(long revision) {
        if (revision <= 0) {
            calls.ensureOpen();
            return;
        }
        Answer<?> answer = calls.call("compaction at revision " + revision, Kind.WRITE, () -> kv.compact(revision));
        if (answer instanceof Answer.Refused<?> refused && refused.code() == Status.Code.OUT_OF_RANGE) {
            if (refused.reason().contains("future revision")) {
                throw new IllegalArgumentException("cannot compact at revision " + revision
                        + ": the store has not reached it (" + refused.reason() + ")");
            }
            return; // already compacted at or after this revision
        }
        answer.orThrow();
    }

    /**
     * A lease of {@code ttl} rounded up to whole seconds, etcd's unit. etcd raises a time to live
     * below its minimum (1.5 election timeouts, 2 s by default) to that minimum.
     */
    @Override
    public long grantLease(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("lease time to live must be positive, was " + ttl);
        }
        long seconds = ttl.plusNanos(999_999_999).getSeconds();
        return calls.call("lease grant", Kind.WRITE, () -> leases.grant(seconds)).orThrow().getID();
    }

    @Override
    public boolean keepAlive(long leaseId) {
        Answer<?> answer = calls.call("keep-alive of lease " + leaseId, Kind.READ, () -> leases.keepAliveOnce(leaseId));
        return isLeaseAlive(answer);
    }

    @Override
    public boolean revokeLease(long leaseId) {
        Answer<?> answer = calls.call("revoke of lease " + leaseId, Kind.WRITE, () -> leases.revoke(leaseId));
        return isLeaseAlive(answer);
    }

    private static boolean isLeaseAlive(Answer<?> answer) {
        if (answer instanceof Answer.Refused<?> refused && refused.code() == Status.Code.NOT_FOUND) {
            return false;
        }
        answer.orThrow();
        return true;
    }

    /** The endpoints and timeouts this store uses. */
    public EtcdStoreConfig config() {
        return config;
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            calls.close();
        }
        List.copyOf(watches).forEach(EtcdWatch::close);
        client.close();
        executor.shutdownNow();
        LOG.atInfo().setMessage("cluster store closed").addKeyValue("endpoints", config.url()).log();
    }
}
