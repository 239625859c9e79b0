package io.wharf.storage;

/** Receives the runs of {@link Volume#extents}. */
@FunctionalInterface
public interface ExtentSink {
    /**
     * @param lengthBytes length of the run, &gt; 0
     * @param allocated   true when the run holds data; false when it reads zeros without holding space
     * @return false to stop
     */
    boolean extent(long lengthBytes, boolean allocated);
}
