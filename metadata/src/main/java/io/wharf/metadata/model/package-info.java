/**
 * The cluster model as stored in the cluster store: {@link io.wharf.metadata.model.ClusterRecord},
 * {@link io.wharf.metadata.model.NodeRecord}, {@link io.wharf.metadata.model.VolumeRecord}, the
 * key layout ({@link io.wharf.metadata.model.Keys}, everything under {@code /wharf/v1/}) and their
 * JSON ({@link io.wharf.metadata.model.ModelCodec}).
 *
 * <p>Format: each value is one JSON object with the record's components as fields, including
 * {@code schemaVersion}; instants are ISO-8601 UTC strings, enums their names.
 *
 * <p>Invariants, for rolling upgrades:
 * <ul>
 *   <li>A field is only ever added, never renamed or given a new meaning; a reader ignores
 *       fields it does not know and tolerates missing optional ones. Adding a field raises the
 *       record's {@code SCHEMA_VERSION}.
 *   <li>A change that old readers would misread needs a new key layout ({@code /wharf/v2/}) and
 *       a migration, not a new schema version.
 *   <li>Enum values are only added; an old node that reads a value it does not know fails
 *       loudly ({@code INTERNAL}) rather than guessing.
 * </ul>
 */
package io.wharf.metadata.model;
