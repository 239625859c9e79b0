package io.wharf.api;

/**
 * A named snapshot schedule.
 *
 * @param schedule the schedule in Portworx syntax, e.g. {@code daily=02:00,keep=7}
 * @param volumes  how many volumes follow it
 */
public record PolicyInfo(String name, String schedule, int volumes, String createdAt) {}
