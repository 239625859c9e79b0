package io.wharf.csi.controller;

import io.wharf.csi.CsiErrors;
import java.util.List;

/**
 * Pagination of ListVolumes and ListSnapshots. The token is the index of the next entry in the
 * sorted listing; a token that is not one (or points past the end) is refused with ABORTED, as
 * the spec says for an invalid {@code starting_token}.
 */
record Pages<T>(List<T> page, String nextToken) {
    static <T> Pages<T> of(List<T> sorted, int maxEntries, String startingToken) {
        if (maxEntries < 0) {
            throw CsiErrors.invalid("max_entries must not be negative");
        }
        int start = 0;
        if (!startingToken.isEmpty()) {
            try {
                start = Integer.parseInt(startingToken);
            } catch (NumberFormatException e) {
                throw CsiErrors.aborted("starting_token '" + startingToken + "' was not returned by this plugin");
            }
            if (start < 0 || start > sorted.size()) {
                throw CsiErrors.aborted("starting_token '" + startingToken + "' is past the end of the listing");
            }
        }
        int end = maxEntries == 0 ? sorted.size() : Math.min(sorted.size(), start + maxEntries);
        return new Pages<>(sorted.subList(start, end), end < sorted.size() ? Integer.toString(end) : "");
    }
}
