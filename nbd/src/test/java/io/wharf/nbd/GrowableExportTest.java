package io.wharf.nbd;

import static io.wharf.nbd.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link GrowableExport} through the server and a literal client: the ceiling size at the
 * handshake, zeros and holes past the inner export's size, ENOSPC for writes there, growth seen by
 * a connected client, the asynchronous path, and its connections counted as the inner export's.
 */
class GrowableExportTest {
    private static final long MIB = 1024 * 1024;
    private static final long CEILING = 8 * MIB;
    private static final int ENOSPC = 28;

    /** An export whose visible size a test sets, over one that holds the ceiling's bytes. */
    static final class Resizable implements NbdExport {
        private final NbdExport store;
        volatile long sizeBytes;

        Resizable(NbdExport store, long sizeBytes) {
            this.store = store;
            this.sizeBytes = sizeBytes;
        }

        @Override
        public String name() {
            return store.name();
        }

        @Override
        public long sizeBytes() {
            return sizeBytes;
        }

        @Override
        public boolean readOnly() {
            return store.readOnly();
        }

        @Override
        public boolean asynchronous() {
            return store.asynchronous();
        }

        @Override
        public void readAsync(long offset, ByteBuffer dst, Completion done) {
            inside(offset, dst.remaining());
            store.readAsync(offset, dst, done);
        }

        @Override
        public void writeAsync(long offset, ByteBuffer src, boolean fua, Completion done) {
            inside(offset, src.remaining());
            store.writeAsync(offset, src, fua, done);
        }

        @Override
        public void flushAsync(Completion done) {
            store.flushAsync(done);
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            inside(offset, dst.remaining());
            store.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
            inside(offset, src.remaining());
            store.write(offset, src, fua);
        }

        @Override
        public void flush() throws IOException {
            store.flush();
        }

        @Override
        public void trim(long offset, long length, boolean fua) throws IOException {
            inside(offset, length);
            store.trim(offset, length, fua);
        }

        @Override
        public void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException {
            inside(offset, length);
            store.writeZeroes(offset, length, mayPunchHole, fua);
        }

        @Override
        public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
            inside(offset, length);
            store.blockStatus(offset, length, sink);
        }

        /** The wrapper must never call past the visible size: a real volume refuses it. */
        private void inside(long offset, long length) {
            if (offset < 0 || offset + length > sizeBytes) {
                throw new AssertionError("call at " + offset + "+" + length + " past the size " + sizeBytes);
            }
        }
    }

    @Test
    void namesOfGrowableExports() {
        assertThat(GrowableExport.volumeOf("db+growable")).contains("db");
        assertThat(GrowableExport.volumeOf("+growable")).isEmpty();
        assertThat(GrowableExport.volumeOf("db")).isEmpty();
        assertThat(GrowableExport.volumeOf("db@snap")).isEmpty();
        assertThat(GrowableExport.countedAs("db+growable")).isEqualTo("db");
        assertThat(GrowableExport.countedAs("db@snap")).isEqualTo("db@snap");
        assertThat(Names.growableExport("db")).isEqualTo("db+growable");
        assertThatThrownBy(() -> Names.requireValid("volume", "db+growable")).as("no volume can be named like one")
                .isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> new GrowableExport("db+growable", new MemoryExport("db", 2 * CEILING), CEILING))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zerosAndHolesPastTheSizeAndNoWritesThere() throws Exception {
        MemoryExport store = new MemoryExport("vol", CEILING);
        Resizable volume = new Resizable(store, MIB);
        try (NbdServer server = serve(volume)) {
            try (RawClient client = RawClient.open(server.port(), "vol+growable", true, true)) {
                assertThat(client.sizeBytes).isEqualTo(CEILING);
                byte[] pattern = pattern(8192, 1);
                client.write(MIB - 8192, pattern);
                byte[] read = client.read(MIB - 4096, 8192);
                assertThat(Arrays.copyOfRange(read, 0, 4096)).isEqualTo(Arrays.copyOfRange(pattern, 4096, 8192));
                assertThat(Arrays.copyOfRange(read, 4096, 8192)).containsOnly(0);
                assertThat(client.read(3 * MIB, 65536)).containsOnly(0);

                assertThat(client.call(0, CMD_WRITE, MIB - 4096, 8192, pattern(8192, 2)).error()).isEqualTo(ENOSPC);
                assertThat(client.call(0, CMD_WRITE, 2 * MIB, 4096, pattern(4096, 3)).error()).isEqualTo(ENOSPC);
                assertThat(client.call(0, CMD_TRIM, MIB - 8192, 16384, null).error()).isEqualTo(ENOSPC);
                assertThat(client.call(0, CMD_WRITE_ZEROES, MIB, 4096, null).error()).isEqualTo(ENOSPC);
                assertThat(store.contents(MIB - 8192, 8192)).as("refused requests change nothing").isEqualTo(pattern);
                assertThat(store.contents(MIB, 4 * 65536)).containsOnly(0);

                Reply status = client.call(0, CMD_BLOCK_STATUS, MIB - 65536, 3 * 65536, null);
                assertThat(status.error()).isZero();
                assertThat(status.extents()).extracting(e -> e[0] + "/" + e[1]).containsExactly("65536/0", "131072/3");
                Reply beyond = client.call(0, CMD_BLOCK_STATUS, 4 * MIB, 65536, null);
                assertThat(beyond.extents()).extracting(e -> e[0] + "/" + e[1]).containsExactly("65536/3");
                Reply one = client.call(FLAG_REQ_ONE, CMD_BLOCK_STATUS, MIB - 65536, 3 * 65536, null);
                assertThat(one.extents()).extracting(e -> e[0] + "/" + e[1]).containsExactly("65536/0");
            }
        }
    }

    @Test
    void growthIsSeenWithoutReconnecting() throws Exception {
        Resizable volume = new Resizable(new MemoryExport("vol", CEILING), MIB);
        try (NbdServer server = serve(volume);
                RawClient client = RawClient.open(server.port(), "vol+growable", true, true)) {
            byte[] before = pattern(4096, 4);
            client.write(0, before);
            assertThat(client.call(0, CMD_WRITE, 2 * MIB, 4096, pattern(4096, 5)).error()).isEqualTo(ENOSPC);

            volume.sizeBytes = 4 * MIB;
            byte[] after = pattern(65536, 6);
            client.write(2 * MIB, after);
            assertThat(client.read(2 * MIB, 65536)).isEqualTo(after);
            assertThat(client.read(0, 4096)).isEqualTo(before);
            assertThat(client.call(0, CMD_WRITE_ZEROES, 3 * MIB, MIB, null).error()).isZero();
            assertThat(client.call(0, CMD_WRITE, 4 * MIB, 4096, pattern(4096, 7)).error()).isEqualTo(ENOSPC);
            assertThat(client.sizeBytes).as("the handshake's size does not change").isEqualTo(CEILING);
        }
    }

    @Test
    void asynchronousExportsStayAsynchronous() throws Exception {
        try (AsyncExport async = new AsyncExport(new MemoryExport("vol", CEILING))) {
            Resizable volume = new Resizable(async, MIB);
            try (NbdServer server = serve(volume);
                    RawClient client = RawClient.open(server.port(), "vol+growable", true, false)) {
                byte[] data = pattern(65536, 8);
                client.write(MIB - 65536, data);
                byte[] straddling = client.read(MIB - 4096, 8192);
                assertThat(Arrays.copyOfRange(straddling, 0, 4096)).isEqualTo(Arrays.copyOfRange(data, 61440, 65536));
                assertThat(Arrays.copyOfRange(straddling, 4096, 8192)).containsOnly(0);
                assertThat(client.call(0, CMD_WRITE, MIB, 4096, pattern(4096, 9)).error()).isEqualTo(ENOSPC);
                assertThat(client.call(0, CMD_FLUSH, 0, 0, null).error()).isZero();
                int calls = async.asyncCalls.get();
                assertThat(calls).as("write, read and flush went the asynchronous way").isGreaterThanOrEqualTo(3);

                volume.sizeBytes = 2 * MIB;
                client.write(MIB, data);
                assertThat(client.read(MIB, 65536)).isEqualTo(data);
                assertThat(async.asyncCalls.get()).isGreaterThan(calls);
            }
        }
    }

    @Test
    void itsConnectionsCountAsTheVolumesAndAreDisconnectedWithIt() throws Exception {
        MapExports exports = new MapExports();
        MemoryExport volume = new MemoryExport("vol", MIB);
        exports.add(volume);
        GrowableFinder finder = new GrowableFinder(exports);
        try (NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0), finder)) {
            server.start();
            List<RawClient> clients = new ArrayList<>();
            try {
                clients.add(RawClient.open(server.port(), "vol", true, false));
                clients.add(RawClient.open(server.port(), "vol+growable", true, false));
                assertThat(server.connectionCount("vol")).isEqualTo(2);
                assertThat(server.connectionCount("vol+growable")).isEqualTo(1);
                exports.remove("vol");
                assertThat(server.disconnectAll("vol")).isEqualTo(2);
                assertThat(clients).allSatisfy(client -> assertThat(client.closedByServer()).isTrue());
                assertThat(server.connectionCount("vol")).isZero();
            } finally {
                clients.forEach(RawClient::close);
            }
        }
    }

    /** Finds {@code name+growable} as the growable view of {@code name}, the way the node does. */
    private record GrowableFinder(MapExports exports) implements NbdExports {
        @Override
        public Optional<NbdExport> find(String name) {
            Optional<String> volume = GrowableExport.volumeOf(name);
            if (volume.isPresent()) {
                return exports.find(volume.get()).map(export -> new GrowableExport(name, export, CEILING));
            }
            return exports.find(name);
        }

        @Override
        public List<String> names() {
            return exports.names();
        }
    }

    private static NbdServer serve(NbdExport volume) throws IOException {
        GrowableExport growable = new GrowableExport("vol+growable", volume, CEILING);
        NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0), new MapExports().add(growable));
        server.start();
        return server;
    }

    private static byte[] pattern(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
