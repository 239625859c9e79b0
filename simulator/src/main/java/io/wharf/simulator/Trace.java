package io.wharf.simulator;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.List;

/**
 * What happened in a run, as lines: a running 64-bit hash of every line (two runs of one seed must
 * end with the same hash), the last lines kept for a failure report, and optionally every line
 * printed.
 */
public final class Trace {
    private static final int KEPT = 300;
    private final ArrayDeque<String> last = new ArrayDeque<>();
    private final PrintStream echo;
    private long hash = 0xcbf29ce484222325L;
    private long lines;

    public Trace(PrintStream echo) {
        this.echo = echo;
    }

    public void line(long nowNanos, String text) {
        String entry = seconds(nowNanos) + " " + text;
        for (int i = 0; i < entry.length(); i++) {
            hash = (hash ^ entry.charAt(i)) * 0x100000001b3L;
        }
        hash = (hash ^ '\n') * 0x100000001b3L;
        lines++;
        if (echo != null) {
            echo.println(entry);
        }
        last.addLast(entry);
        if (last.size() > KEPT) {
            last.removeFirst();
        }
    }

    /** Simulated time as seconds with microseconds, without String.format (this runs for every line). */
    static String seconds(long nanos) {
        long micros = nanos / 1000;
        String fraction = Long.toString(1_000_000 + micros % 1_000_000).substring(1);
        return micros / 1_000_000 + "." + fraction;
    }

    public long hash() {
        return hash;
    }

    public long lines() {
        return lines;
    }

    public List<String> lastLines() {
        return List.copyOf(last);
    }
}
