package io.wharf.cli.mount;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
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
import java.util.Locale;

/**
 * Raises the size limit of an attached loop device, which {@code losetup} cannot do: {@code
 * LOOP_GET_STATUS64}, then {@code LOOP_SET_STATUS64} with a new {@code lo_sizelimit}, through the
 * FFM API ({@code open}, {@code ioctl}, {@code close} of libc). The kernel resizes the device at
 * once, with a filesystem mounted on it ({@code LOOP_SET_CAPACITY} would not do: it keeps the
 * limit and only rereads the backing file's size, which for a growable export is its ceiling).
 *
 * <p>Needs CAP_SYS_ADMIN (the device is opened read-only so that a mounted device can be opened
 * at all) and {@code --enable-native-access} (the launcher and the tests pass it).
 */
final class LoopDevice {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final long LOOP_SET_STATUS64 = 0x4C04;
    private static final long LOOP_GET_STATUS64 = 0x4C05;
    /** {@code struct loop_info64} of {@code <linux/loop.h>}: 5 u64, 4 u32, 64 + 64 + 32 bytes of names and key, 2 u64. */
    private static final long LOOP_INFO64_BYTES = 232;
    private static final long LO_SIZELIMIT_OFFSET = 32;
    private static final int EINTR = 4;
    private static final Calls CALLS = Calls.link();

    private LoopDevice() {}

    /** Sets {@code device}'s size limit to {@code sizeLimitBytes} (a multiple of 512); the device takes that size if its backing is as large. */
    static void setSizeLimit(String device, long sizeLimitBytes) {
        if (sizeLimitBytes <= 0 || sizeLimitBytes % 512 != 0) {
            throw new IllegalArgumentException("a loop size limit is a positive multiple of 512, not " + sizeLimitBytes);
        }
        Calls calls = CALLS;
        if (calls == null) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot change the size limit of " + device
                    + ": the libc calls open and ioctl could not be linked on this platform", "run the node plugin on Linux");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(calls.captureLayout);
            int fd = (int) calls.open.invokeExact(state, arena.allocateFrom(device), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw failure(device, sizeLimitBytes, "open", calls.errno(state));
            }
            try {
                MemorySegment info = arena.allocate(LOOP_INFO64_BYTES, 8);
                ioctl(calls, state, fd, LOOP_GET_STATUS64, info, device, sizeLimitBytes, "LOOP_GET_STATUS64");
                info.set(ValueLayout.JAVA_LONG, LO_SIZELIMIT_OFFSET, sizeLimitBytes);
                ioctl(calls, state, fd, LOOP_SET_STATUS64, info, device, sizeLimitBytes, "LOOP_SET_STATUS64");
            } finally {
                int _ = (int) calls.close.invokeExact(fd); // read-only: nothing to lose if close fails
            }
        } catch (WharfException | IllegalArgumentException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot change the size limit of " + device + ": "
                    + t.getMessage(), "run the process with --enable-native-access=ALL-UNNAMED (the wharf launcher does)", t);
        }
    }

    private static void ioctl(Calls calls, MemorySegment state, int fd, long request, MemorySegment info, String device,
                              long sizeLimitBytes, String name) throws Throwable {
        while (true) {
            int rc = (int) calls.ioctl.invokeExact(state, fd, request, info);
            if (rc == 0) {
                return;
            }
            int errno = calls.errno(state);
            if (errno != EINTR) {
                throw failure(device, sizeLimitBytes, name, errno);
            }
        }
    }

    private static WharfException failure(String device, long sizeLimitBytes, String call, int errno) {
        String meaning = switch (errno) {
            case 1, 13 -> "permission denied: changing a loop device needs CAP_SYS_ADMIN; run the node plugin privileged";
            case 2, 6 -> "the device is gone or no longer attached; check `losetup -a`";
            case 16 -> "the device is busy; try again";
            default -> "see `dmesg` for the kernel's reason";
        };
        return new WharfException(errno == 1 || errno == 13 ? ErrorCode.PERMISSION_DENIED : ErrorCode.MOUNT_FAILED,
                "cannot set the size limit of " + device + " to " + sizeLimitBytes + " bytes: " + call
                        + " failed with errno " + errno, meaning);
    }

    /** The linked libc entry points, or null where they cannot be linked (not Linux). */
    private record Calls(MethodHandle open, MethodHandle ioctl, MethodHandle close, StructLayout captureLayout,
                         VarHandle errnoHandle) {
        @SuppressWarnings("restricted") // declared exactly as in glibc: open(const char*, int, ...), ioctl(int, unsigned long, ...)
        static Calls link() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
                return null;
            }
            try {
                return linkLibc();
            } catch (RuntimeException e) {
                return null;
            }
        }

        @SuppressWarnings("restricted")
        private static Calls linkLibc() {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            StructLayout layout = Linker.Option.captureStateLayout();
            MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                    errno, Linker.Option.firstVariadicArg(2));
            MethodHandle ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS),
                    errno, Linker.Option.firstVariadicArg(2));
            MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return new Calls(open, ioctl, close, layout,
                    layout.varHandle(MemoryLayout.PathElement.groupElement("errno")));
        }

        int errno(MemorySegment state) {
            return (int) errnoHandle.get(state, 0L);
        }
    }
}
