package io.bitcraps.ledger.audit;

import java.util.Locale;

/**
 * Renders an audit as one self-contained HTML page: summary, problems by root cause, and three charts drawn as
 * inline SVG (house balance over seq, chips in play over seq, events per batch), so the page
 * needs no network, no scripts and no other files.
 */
public final class HtmlReport {
    private static final int WIDTH = 860;
    private static final int HEIGHT = 220;

    private HtmlReport() {}

    public static String render(AuditReport r) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ledger audit: ")
                .append(esc(r.database())).append("</title>\n<style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222}")
                .append("h1{font-size:1.4em}.ok{color:#176b2c}.bad{color:#b3261e}")
                .append("table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}")
                .append("th{background:#f4f4f4}svg{background:#fafafa;border:1px solid #ddd;margin:.5em 0}")
                .append("</style></head><body>\n");
        h.append("<h1>Ledger audit: ").append(esc(r.database())).append("</h1>\n");
        h.append("<p class=\"").append(r.intact() ? "ok" : "bad").append("\"><b>")
                .append(r.intact() ? "INTACT" : "NOT INTACT: " + r.problemCount() + " problem(s)").append("</b></p>\n");
        h.append("<table>");
        row(h, "ledger id", r.ledgerId());
        row(h, "snapshot", "seq " + r.snapshotSeq() + ", head hash " + r.headHash());
        row(h, "events checked", String.format(Locale.ROOT, "%,d (seq %d..%d) in %,d batches, %,d signed", r.events(),
                r.fromSeq(), r.toSeq(), r.batches(), r.signedBatches()));
        row(h, "accounts", String.format(Locale.ROOT, "%,d, balances sum to %d", r.accounts(), r.balanceSum()));
        row(h, "read model", r.projectionsCompared() ? "compared with a replay from zero" : "in the database not compared (it"
                + " keeps none with the log-first commit; or a partial range, or a log that could not be read to its end)");
        row(h, "views file", r.views());
        row(h, "payouts", r.payoutsVerified() ? String.format(Locale.ROOT, "%,d settlements of %,d games judged by the craps rulebook",
                r.settlementsVerified(), r.gamesVerified()) : "not verified (a partial range, or a log that could not be read to its end)");
        row(h, "time", String.format(Locale.ROOT, "%.2f s, %,.0f events/s", r.elapsedNanos() / 1e9, r.eventsPerSecond()));
        h.append("</table>\n");
        if (!r.rootCauses().isEmpty()) {
            rootCauses(h, r);
        }
        AuditReport.Series s = r.series();
        h.append("<h2>House balance</h2>\n").append(chart(s.seqs(), s.house(), "seq", "chips", "#1f5fa8"));
        h.append("<h2>Chips in play (open stakes)</h2>\n").append(chart(s.seqs(), s.inPlay(), "seq", "chips", "#a86a1f"));
        h.append("<h2>Events per batch</h2>\n").append(chart(s.batchEnds(), s.batchSizes(), "seq", "events", "#2c7a3f"));
        return h.append("</body></html>\n").toString();
    }

    /**
     * Root causes first, each with the problems that name it and how the audit went on past it; its follow-on problems
     * folded away in a {@code <details>} element (no script needed), so one damaged row reads as one finding.
     */
    private static void rootCauses(StringBuilder h, AuditReport r) {
        h.append("<h2>Root causes</h2>\n<p>").append(String.format(Locale.ROOT, "%,d root cause(s) explain %,d problem(s):"
                + " %,d follow-on problem(s) are grouped under the root cause that explains them.", r.rootCauseCount(),
                r.problemCount(), r.followOnProblemCount())).append("</p>\n");
        int n = 0;
        for (RootCause c : r.rootCauses()) {
            n++;
            h.append("<h3 class=\"bad\">Root cause ").append(n).append(" at seq ").append(c.seq()).append("</h3>\n");
            problemTable(h, c.problems());
            h.append("<p><b>").append(c.resynchronised() ? "Resynchronised" : "Not resynchronised").append(":</b> ")
                    .append(esc(c.resync())).append("</p>\n");
            if (c.followOnCount() > 0) {
                h.append("<details><summary>").append(String.format(Locale.ROOT, "%,d follow-on problem(s)", c.followOnCount()))
                        .append("</summary>\n");
                problemTable(h, c.followOns());
                if (c.followOnCount() > c.followOns().size()) {
                    h.append("<p>… and ").append(c.followOnCount() - c.followOns().size())
                            .append(" more (the full list is in <code>audit --json</code>).</p>\n");
                }
                h.append("</details>\n");
            }
        }
        if (r.rootCauseCount() > r.rootCauses().size()) {
            h.append("<p>… and ").append(r.rootCauseCount() - r.rootCauses().size()).append(" more root causes.</p>\n");
        }
    }

    private static void problemTable(StringBuilder h, java.util.List<Problem> problems) {
        h.append("<table><tr><th>seq</th><th>kind</th><th>detail</th></tr>\n");
        for (Problem p : problems) {
            h.append("<tr><td>").append(p.seq()).append("</td><td>").append(p.kind()).append("<br><small>")
                    .append(esc(p.kind().meaning())).append("</small></td><td>").append(esc(p.detail())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String name, String value) {
        h.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>");
    }

    /**
     * An axis over {@code [min, max]} with about {@code target} ticks at "nice" steps (1, 2 or 5 times a power of
     * ten), widened to whole steps: its own range, never forced through zero, so that ±8k on a balance of 10M is
     * drawn as the movement it is rather than a flat line at the top of a chart that starts at 0.
     */
    record Axis(long low, long high, long step) {
        static Axis of(long min, long max, int target) {
            if (max < min) {
                throw new IllegalArgumentException("axis " + min + ".." + max);
            }
            double raw = (double) Math.max(1, max - min) / Math.max(1, target);
            long magnitude = 1;
            while (magnitude <= raw / 10 && magnitude <= Long.MAX_VALUE / 10) {
                magnitude *= 10;
            }
            long step = magnitude;
            for (long m : new long[]{1, 2, 5, 10}) {
                if (magnitude * m >= raw) {
                    step = magnitude * m;
                    break;
                }
            }
            long low = Math.floorDiv(min, step) * step;
            long high = -Math.floorDiv(-max, step) * step;
            if (high == low) { // a constant series: one step either side
                low -= step;
                high += step;
            }
            return new Axis(low, high, step);
        }

        java.util.List<Long> ticks() {
            java.util.List<Long> t = new java.util.ArrayList<>();
            for (long v = low; v <= high; v += step) {
                t.add(v);
            }
            return t;
        }

        double fraction(long v) {
            return (double) (v - low) / (high - low);
        }
    }

    static String chart(long[] xs, long[] ys, String xLabel, String yLabel, String colour) {
        if (xs.length == 0) {
            return "<p>(no data)</p>\n";
        }
        long minY = Long.MAX_VALUE;
        long maxY = Long.MIN_VALUE;
        for (long y : ys) {
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
        }
        Axis ax = Axis.of(xs[0], xs[xs.length - 1], 6);
        Axis ay = Axis.of(minY, maxY, 5);
        int left = 90;
        int right = WIDTH - 30; // room for the last x label, centred on its tick
        int top = 12;
        int bottom = HEIGHT - 28;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s by %s\">", WIDTH, HEIGHT, yLabel, xLabel));
        for (long t : ay.ticks()) {
            double y = bottom - ay.fraction(t) * (bottom - top);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%,d</text>", left, y, right, y,
                    left - 6, y + 4, t));
        }
        for (long t : ax.ticks()) {
            double x = left + ax.fraction(t) * (right - left);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%,d</text>", x, bottom, x, bottom + 4,
                    x, bottom + 16, t));
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                        + "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>"
                        + "<text x=\"4\" y=\"%d\" font-size=\"11\">%s</text>",
                left, bottom, right, bottom, left, top, left, bottom, right, HEIGHT - 2, xLabel, HEIGHT - 2, yLabel));
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < xs.length; i++) {
            double x = left + ax.fraction(xs[i]) * (right - left);
            double y = bottom - ay.fraction(ys[i]) * (bottom - top);
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/></svg>%n",
                colour, pts.toString().trim()));
        return svg.toString();
    }

    private static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
