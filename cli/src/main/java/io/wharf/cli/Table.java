package io.wharf.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Aligned columns with a header row, two spaces apart, no trailing blanks. */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public Table(String... headers) {
        this.columns = headers.length;
        rows.add(headers);
    }

    public Table row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        }
        rows.add(Arrays.stream(cells).map(cell -> cell == null || cell.toString().isEmpty() ? "-" : cell.toString())
                .toArray(String[]::new));
        return this;
    }

    public void print(PrintWriter out) {
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
