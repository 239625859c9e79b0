/**
 * Tools run as separate processes by crash tests: {@link io.wharf.storage.tool.CrashWriter} writes
 * the deterministic {@link io.wharf.storage.tool.CrashWorkload} and reports each completed flush on
 * stdout, so a parent can kill it with SIGKILL and check what the pool recovers; {@link
 * io.wharf.storage.tool.TreeCrashWriter} adds after each flush one snapshot, clone, snapshot
 * deletion, clone deletion or revert chosen by {@link io.wharf.storage.tool.TreeCrashModel}, which
 * the parent replays to know every volume's and snapshot's expected content.
 *
 * <p>Owns no on-disk format; invariant of the workload: one step touches each 4 KiB block at most
 * once, so "old or new per block" has exactly two candidates.
 */
package io.wharf.storage.tool;
