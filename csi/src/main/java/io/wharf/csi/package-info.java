/**
 * The Wharf CSI driver: one process ({@code wharf csi}) serving CSI 1.x's Identity, Controller and
 * Node services on a unix socket ({@link io.wharf.csi.CsiServer}: grpc-java over Netty's native
 * epoll domain sockets, one virtual thread per call), talking to the cluster only through the
 * REST API ({@link io.wharf.api.WharfApi}).
 *
 * <p>Wire format: the CSI protobuf, generated at build time from {@code src/main/proto/csi.proto}
 * (Java package {@code csi.v1}). Identifiers: a volume id is the Wharf volume name, a snapshot id
 * is {@code volume@snapshot}; CSI names map to Wharf names by a pure function ({@link
 * io.wharf.csi.CsiIds}), so idempotency needs no index. Errors: {@link io.wharf.csi.CsiErrors} is
 * the one table from Wharf's {@code ErrorCode} to gRPC codes, set by name.
 *
 * <p>Invariants: every RPC is idempotent; at most one call per volume (or name) runs at a time
 * and another gets ABORTED ({@link io.wharf.csi.OperationLocks}); a refusal never leaves half a
 * change behind (creates find and finish what an earlier call began, mounts roll back).
 */
package io.wharf.csi;
