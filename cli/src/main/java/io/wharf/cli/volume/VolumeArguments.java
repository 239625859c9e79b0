package io.wharf.cli.volume;

import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks of names, sizes and labels before anything is sent, for early and clear errors. */
final class VolumeArguments {
    private VolumeArguments() {}

    static String name(String name) {
        return Names.requireValid("volume", name);
    }

    static long size(String text) {
        long bytes = ByteSize.parse(text);
        if (bytes <= 0) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "size '" + text + "' is not valid: a volume needs at "
                    + "least one byte", "write a size like 10GiB, 512MiB or 1TiB");
        }
        return bytes;
    }

    static Map<String, String> labels(List<String> pairs) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (pairs == null) {
            return labels;
        }
        for (String pair : pairs) {
            int equals = pair.indexOf('=');
            if (equals < 0) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "label '" + pair + "' is not KEY=VALUE",
                        "write labels like --label app=postgres");
            }
            String key = pair.substring(0, equals);
            String value = pair.substring(equals + 1);
            Names.requireValidLabel(key, value);
            if (labels.put(key, value) != null) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "label '" + key + "' is given twice",
                        "give each label key once");
            }
        }
        return labels;
    }

    /** A replica count: 1, 2 or 3. */
    static int repl(int copies) {
        if (copies < 1 || copies > 3) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--repl must be 1, 2 or 3, not " + copies,
                    "a volume keeps at most 3 synchronous copies");
        }
        return copies;
    }
}
