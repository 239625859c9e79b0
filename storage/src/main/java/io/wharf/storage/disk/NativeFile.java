package io.wharf.storage.disk;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A second file descriptor on a file, opened with {@code open(2)} through the FFM API, for the
 * few calls {@link java.nio.channels.FileChannel} does not offer: {@code fallocate} to punch holes
 * and {@code lseek} with {@code SEEK_DATA}/{@code SEEK_HOLE}.
 *
 * <p>Where the native calls are not available (not Linux, native access denied) or the filesystem
 * refuses them ({@code EOPNOTSUPP}), {@link #punchHole} returns false and the caller falls back to
 * writing zeros. The descriptor shares the inode with the caller's channel, so a punch is seen by
 * reads through either.
 */
public final class NativeFile implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int EINTR = 4;
    private static final int ENXIO = 6;
    private static final int ENOSPC = 28;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;

    private static final Calls CALLS = Calls.link();

    private final Path path;
    private final int fd;
    private volatile boolean punchSupported;
    private volatile boolean closed;

    private NativeFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
        this.punchSupported = fd >= 0;
    }

    /** True when the FFM calls could be linked on this platform. */
    public static boolean available() {
        return CALLS != null;
    }

    /**
     * Opens {@code path} read-write. Never fails for lack of native support: the result then
     * simply reports every punch as unsupported.
     */
    public static NativeFile open(Path path) throws IOException {
        if (CALLS == null) {
            return new NativeFile(path, -1);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(path.toString());
            MemorySegment state = arena.allocate(CALLS.captureLayout);
            int fd = (int) CALLS.open.invokeExact(state, name, O_RDWR | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("open(" + path + ") failed: errno " + CALLS.errno(state));
            }
            return new NativeFile(path, fd);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open(" + path + ") failed", t);
        }
    }

    /** A file whose punches always report unsupported: the zero-writing fallback, for tests. */
    public static NativeFile withoutNativeCalls(Path path) {
        return new NativeFile(path, -1);
    }

    /**
     * Deallocates {@code [offset, offset + length)} keeping the file size; the range reads zeros.
     *
     * @return false when hole punching is not supported here (nothing was changed)
     * @throws WharfException {@link ErrorCode#NO_SPACE} when the filesystem needs space to split
     *                        an extent and has none
     */
    public boolean punchHole(long offset, long length) throws IOException {
        if (length == 0) {
            return true;
        }
        if (!punchSupported || closed) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALLS.captureLayout);
            while (true) {
                int rc = (int) CALLS.fallocate.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                        offset, length);
                if (rc == 0) {
                    return true;
                }
                int errno = CALLS.errno(state);
                switch (errno) {
                    case EINTR -> { /* retry */ }
                    case EOPNOTSUPP, ENOSYS -> {
                        punchSupported = false;
                        return false;
                    }
                    case ENOSPC -> throw DiskErrors.noSpace("punching a hole in " + path, null);
                    default -> throw new IOException("fallocate(PUNCH_HOLE) on " + path + " failed: errno " + errno);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("fallocate on " + path + " failed", t);
        }
    }

    /** The first offset at or after {@code offset} holding data, or -1 when only a hole follows. */
    public long seekData(long offset) throws IOException {
        return seek(offset, SEEK_DATA);
    }

    /** The first offset at or after {@code offset} that is a hole (the file size counts as one). */
    public long seekHole(long offset) throws IOException {
        return seek(offset, SEEK_HOLE);
    }

    private long seek(long offset, int whence) throws IOException {
        if (fd < 0 || closed) {
            throw new IOException("lseek is not available for " + path);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALLS.captureLayout);
            long result = (long) CALLS.lseek.invokeExact(state, fd, offset, whence);
            if (result >= 0) {
                return result;
            }
            int errno = CALLS.errno(state);
            if (errno == ENXIO) {
                return -1;
            }
            throw new IOException("lseek on " + path + " failed: errno " + errno);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lseek on " + path + " failed", t);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (fd < 0) {
            return;
        }
        try {
            int rc = (int) CALLS.close.invokeExact(fd);
            if (rc != 0) {
                throw new IOException("close(" + path + ") failed");
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("close(" + path + ") failed", t);
        }
    }

    /** The linked libc entry points, or null where they cannot be linked. */
    private record Calls(MethodHandle open, MethodHandle fallocate, MethodHandle lseek, MethodHandle close,
                         StructLayout captureLayout, VarHandle errnoHandle) {
        @SuppressWarnings("restricted") // the linked calls are declared exactly as in glibc
        static Calls link() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
                return null;
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                StructLayout layout = Linker.Option.captureStateLayout();
                MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT),
                        errno, Linker.Option.firstVariadicArg(2));
                MethodHandle fallocate = linker.downcallHandle(libc.find("fallocate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                        errno);
                MethodHandle lseek = linker.downcallHandle(libc.find("lseek").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT),
                        errno);
                MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                VarHandle errnoHandle = layout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                return new Calls(open, fallocate, lseek, close, layout, errnoHandle);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }

        int errno(MemorySegment state) {
            return (int) errnoHandle.get(state, 0L);
        }
    }
}
