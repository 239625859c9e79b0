/**
 * Placement: which nodes hold a volume's copies. A pure function of the nodes' state (online,
 * maintenance, zone, rack, room to provision) and the request (size, copies, allowed nodes and
 * zones, node labels); zones are spread first, then racks, then free space decides.
 */
package io.wharf.control.placement;
