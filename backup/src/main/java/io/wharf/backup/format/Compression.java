package io.wharf.backup.format;

import com.github.luben.zstd.Zstd;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compression of object bodies: zstd (zstd-jni) when its native library loads, else Deflate from
 * the JDK; a body that does not get smaller is stored as it is ({@link #NONE}), so random or
 * already-compressed data costs no decompression on restore. The codec is recorded per object, so
 * a target may hold all three and any reader decodes NONE and DEFLATE; ZSTD needs the native library.
 */
public final class Compression {
    public static final byte NONE = 0;
    public static final byte ZSTD = 1;
    public static final byte DEFLATE = 2;
    private static final Logger LOG = LoggerFactory.getLogger(Compression.class);
    private static final boolean ZSTD_LOADED = loadZstd();

    private Compression() {}

    /** A compressed body: {@code length} bytes of {@code data} from {@code offset}, in {@code codec}. */
    public record Compressed(byte codec, byte[] data, int offset, int length) {}

    public static boolean zstdAvailable() {
        return ZSTD_LOADED;
    }

    /**
     * Compresses {@code length} bytes of {@code src}; {@code headroom} bytes are left free at the
     * start of the returned array (for a header) when the body is newly allocated.
     */
    public static Compressed compress(byte[] src, int offset, int length, int level, int headroom) {
        if (ZSTD_LOADED) {
            int bound = (int) Zstd.compressBound(length);
            byte[] out = new byte[headroom + bound];
            long size = Zstd.compressByteArray(out, headroom, bound, src, offset, length, level);
            if (Zstd.isError(size)) {
                throw new IllegalStateException("zstd compression failed: " + Zstd.getErrorName(size));
            }
            if (size < length) {
                return new Compressed(ZSTD, out, headroom, (int) size);
            }
            return new Compressed(NONE, src, offset, length);
        }
        Deflater deflater = new Deflater(Math.min(level, 9));
        try {
            deflater.setInput(src, offset, length);
            deflater.finish();
            byte[] out = new byte[headroom + length];
            int size = 0;
            while (!deflater.finished() && headroom + size < out.length) {
                size += deflater.deflate(out, headroom + size, out.length - headroom - size);
            }
            if (deflater.finished() && size < length) {
                return new Compressed(DEFLATE, out, headroom, size);
            }
            return new Compressed(NONE, src, offset, length);
        } finally {
            deflater.end();
        }
    }

    /** Decompresses a body to exactly {@code rawLength} bytes. */
    public static byte[] decompress(byte codec, byte[] src, int offset, int length, int rawLength) throws CorruptObjectException {
        switch (codec) {
            case NONE -> {
                if (length != rawLength) {
                    throw new CorruptObjectException("stored body of " + length + " bytes, expected " + rawLength);
                }
                return java.util.Arrays.copyOfRange(src, offset, offset + length);
            }
            case ZSTD -> {
                if (!ZSTD_LOADED) {
                    throw new IllegalStateException("the object is zstd-compressed and the zstd native library did not load here");
                }
                byte[] out = new byte[rawLength];
                long size = Zstd.decompressByteArray(out, 0, rawLength, src, offset, length);
                if (Zstd.isError(size) || size != rawLength) {
                    throw new CorruptObjectException("zstd body does not decode to " + rawLength + " bytes"
                            + (Zstd.isError(size) ? " (" + Zstd.getErrorName(size) + ")" : ""));
                }
                return out;
            }
            case DEFLATE -> {
                Inflater inflater = new Inflater();
                try {
                    inflater.setInput(src, offset, length);
                    byte[] out = new byte[rawLength];
                    int size = 0;
                    while (size < rawLength && !inflater.finished()) {
                        int n = inflater.inflate(out, size, rawLength - size);
                        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                            break;
                        }
                        size += n;
                    }
                    if (size != rawLength || !inflater.finished()) {
                        throw new CorruptObjectException("deflate body does not decode to " + rawLength + " bytes");
                    }
                    return out;
                } catch (DataFormatException e) {
                    throw new CorruptObjectException("deflate body is damaged", e);
                } finally {
                    inflater.end();
                }
            }
            default -> throw new CorruptObjectException("unknown compression codec " + codec);
        }
    }

    private static boolean loadZstd() {
        try {
            return Zstd.compressBound(1) > 0;
        } catch (LinkageError e) {
            LOG.atWarn().setMessage("zstd native library did not load; compressing with Deflate")
                    .addKeyValue("error", e.toString()).log();
            return false;
        }
    }
}
