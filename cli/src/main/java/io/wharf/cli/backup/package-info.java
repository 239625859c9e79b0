/**
 * {@code wharf backup}: targets ({@code target add|list|inspect|delete}), backups ({@code create},
 * {@code list}, {@code inspect}, {@code delete}) and restores into new volumes. Backups and restores
 * run on the nodes in the background; {@code --wait} polls their job until it ends.
 */
package io.wharf.cli.backup;
