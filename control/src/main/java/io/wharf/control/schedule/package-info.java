/**
 * Snapshot (and later backup) schedules in Portworx's syntax, as values: parsing, the next run
 * after a given time, and which runs are due when a controller wakes up.
 *
 * <p>Syntax: rules separated by ';', each {@code KIND=WHEN,keep=N}:
 * {@code periodic=60m} (every 60 minutes; units s, m, h, d), {@code daily=02:00},
 * {@code weekly=sun@02:00}, {@code monthly=1@02:00} (day of month 1..28). Times are in the
 * schedule's zone (UTC unless given). {@code keep} is how many snapshots of that rule to retain
 * (1..1024; default 5 for periodic, as Portworx does, and 7/4/12 for daily/weekly/monthly).
 *
 * <p>Catch-up: after downtime a rule is due once, however many of its runs were missed, never a
 * burst ({@link io.wharf.control.schedule.Schedule#due}).
 */
package io.wharf.control.schedule;
