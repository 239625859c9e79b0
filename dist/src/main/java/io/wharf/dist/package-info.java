/**
 * The assembled {@code wharf} binary: one entry point ({@link io.wharf.dist.WharfMain}) and the
 * class-path layout in {@code dist/target/wharf/lib} that the {@code ./wharf} launcher runs.
 */
package io.wharf.dist;
