/**
 * What every Wharf module shares: sizes ({@link io.wharf.core.ByteSize}), the one table of
 * user-facing errors ({@link io.wharf.core.ErrorCode}, {@link io.wharf.core.WharfException}),
 * name rules ({@link io.wharf.core.Names}) and an injectable {@link io.wharf.core.Clock}.
 *
 * <p>Depends on the JDK only.
 */
package io.wharf.core;
