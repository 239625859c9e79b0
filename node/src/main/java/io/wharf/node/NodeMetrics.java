package io.wharf.node;

import io.wharf.api.VolumeInfo;
import io.wharf.nbd.NbdServer;
import io.wharf.storage.PoolUsage;

/** Renders the node's state in Prometheus text format for {@code GET /metrics}. */
final class NodeMetrics {
    /** A per-export I/O counter: its name, its help text, and where its value comes from. */
    private record Counter(String name, String help, java.util.function.ToLongFunction<VolumeExport> value) {}

    private static final java.util.List<Counter> COUNTERS = java.util.List.of(
            new Counter("wharf_volume_read_ops_total", "NBD reads served.", e -> e.readOps.sum()),
            new Counter("wharf_volume_read_bytes_total", "Bytes read over NBD.", e -> e.readBytes.sum()),
            new Counter("wharf_volume_write_ops_total", "NBD writes and zero-writes served.", e -> e.writeOps.sum()),
            new Counter("wharf_volume_write_bytes_total", "Bytes written over NBD.", e -> e.writeBytes.sum()),
            new Counter("wharf_volume_flush_ops_total", "NBD flushes served.", e -> e.flushOps.sum()),
            new Counter("wharf_volume_trim_ops_total", "NBD trims served.", e -> e.trimOps.sum()),
            new Counter("wharf_volume_io_errors_total", "NBD requests that failed in storage.", e -> e.errors.sum()));

    private final VolumeService service;
    private final Exports exports;
    private final NbdServer nbd;

    NodeMetrics(VolumeService service, Exports exports, NbdServer nbd) {
        this.service = service;
        this.exports = exports;
        this.nbd = nbd;
    }

    String render() {
        StringBuilder out = new StringBuilder(4096);
        PoolUsage usage = service.poolUsage();
        gauge(out, "wharf_pool_capacity_bytes", "Usable bytes of the storage pool.", "", usage.capacityBytes());
        gauge(out, "wharf_pool_used_bytes", "Bytes of volume data in the pool.", "", usage.usedBytes());
        gauge(out, "wharf_pool_provisioned_bytes", "Sum of the sizes of the volumes in the pool.", "", usage.provisionedBytes());
        header(out, "wharf_volume_size_bytes", "gauge", "Size of a volume.");
        header(out, "wharf_volume_allocated_bytes", "gauge", "Pool bytes a volume's data takes.");
        header(out, "wharf_volume_clients", "gauge", "NBD connections open on a volume.");
        for (VolumeInfo volume : service.listVolumes()) {
            String labels = "{volume=\"" + volume.name() + "\"}";
            sample(out, "wharf_volume_size_bytes", labels, volume.sizeBytes());
            sample(out, "wharf_volume_allocated_bytes", labels, volume.allocatedBytes());
            sample(out, "wharf_volume_clients", labels, volume.clients());
        }
        for (Counter counter : COUNTERS) {
            header(out, counter.name(), "counter", counter.help());
            for (VolumeExport export : exports.all()) {
                sample(out, counter.name(), "{volume=\"" + export.name() + "\"}", counter.value().applyAsLong(export));
            }
        }
        gauge(out, "wharf_nbd_connections", "Open NBD connections on this node.", "", nbd.connectionCount());
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, String labels, long value) {
        header(out, name, "gauge", help);
        sample(out, name, labels, value);
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, long value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }
}
