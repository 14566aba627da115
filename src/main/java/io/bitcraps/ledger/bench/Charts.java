package io.bitcraps.ledger.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Small line charts as PNG, drawn with Java2D (headless), so the bench needs no charting library:
 * throughput by batch size, and the latency percentile curve on a "number of nines" axis.
 */
final class Charts {
    private static final int W = 900;
    private static final int H = 420;
    private static final int LEFT = 90;
    private static final int RIGHT = 50; // room for the last x label ("p99.99"), which is centred on the edge
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    /** The least space between any label and the edge of the image. */
    static final int MARGIN = 8;
    /** At most this many steps on the value axis (so 3 to 6 of them: see {@link Axis}). */
    static final int Y_TICKS = 6;

    private Charts() {}

    /** x: batch cap (log2 axis), y: events/s. */
    static void throughputByBatchSize(List<double[]> points, Path file) throws IOException {
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        String[] labels = new String[points.size()];
        for (int i = 0; i < points.size(); i++) {
            xs[i] = Math.log(points.get(i)[0]) / Math.log(2);
            ys[i] = points.get(i)[1];
            labels[i] = String.format(Locale.ROOT, "%.0f", points.get(i)[0]);
        }
        draw("Ledger throughput by batch cap (submissions per commit)", "batch cap", "events/s", xs, ys, labels, file);
    }

    /** x: percentile as "nines" (0.9 -> 1, 0.99 -> 2 ...), y: latency in ms. */
    static void latencyPercentiles(List<double[]> points, Path file) throws IOException {
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        String[] labels = new String[points.size()];
        for (int i = 0; i < points.size(); i++) {
            double p = points.get(i)[0];
            xs[i] = -Math.log10(1 - p / 100.0);
            ys[i] = points.get(i)[1] / 1000.0;
            labels[i] = String.format(Locale.ROOT, "p%s", trim(p));
        }
        draw("Submit-to-durable latency at 50% load (coordinated-omission corrected)", "percentile", "ms", xs, ys, labels,
                file);
    }

    private static String trim(double p) {
        String s = String.format(Locale.ROOT, "%.4f", p);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static void draw(String title, String xLabel, String yLabel, double[] xs, double[] ys, String[] labels, Path file)
            throws IOException {
        ImageIO.write(render(title, xLabel, yLabel, xs, ys, labels), "png", file.toFile());
    }

    static BufferedImage render(String title, String xLabel, String yLabel, double[] xs, double[] ys, String[] labels) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        double minX = min(xs);
        double maxX = max(xs);
        Axis ay = Axis.of(0, Math.max(0, max(ys)), Y_TICKS);
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);
        for (double v : ay.ticks()) {
            int y = TOP + plotH - (int) Math.round(plotH * ay.fraction(v));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT + 1, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String label = ay.label(v);
            // right-aligned against the axis, so a wide label never runs into the plot or off the image
            g.drawString(label, Math.max(MARGIN, LEFT - 8 - fm.stringWidth(label)), y + 4);
        }
        g.drawString(yLabel, Math.max(MARGIN, LEFT - 8 - fm.stringWidth(yLabel)), TOP - 18); // the unit, over the tick labels
        g.drawString(xLabel, LEFT + plotW / 2 - fm.stringWidth(xLabel) / 2, H - 15);
        int[] px = new int[xs.length];
        int[] py = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            px[i] = LEFT + (int) (plotW * (maxX == minX ? 0.5 : (xs[i] - minX) / (maxX - minX)));
            py[i] = TOP + plotH - (int) Math.round(plotH * ay.fraction(ys[i]));
            g.drawString(labels[i], labelLeft(px[i], fm.stringWidth(labels[i]), W), TOP + plotH + 18);
        }
        g.setColor(new Color(31, 95, 168));
        g.setStroke(new BasicStroke(2.2f));
        g.drawPolyline(px, py, xs.length);
        for (int i = 0; i < xs.length; i++) {
            g.fillOval(px[i] - 4, py[i] - 4, 8, 8);
        }
        g.dispose();
        return img;
    }

    /**
     * Where a label {@code width} pixels wide, centred on {@code centre}, starts: centred on its tick,
     * moved in just enough to stay {@link #MARGIN} pixels inside an image {@code imageWidth} wide (the
     * last x label sits on the right edge of the plot, and a wide one ran off the image).
     */
    static int labelLeft(int centre, int width, int imageWidth) {
        return Math.max(MARGIN, Math.min(centre - width / 2, imageWidth - MARGIN - width));
    }

    /**
     * A value axis with "nice" ticks: a step of 1, 2 or 5 times a power of ten, the smallest such
     * step that covers {@code [min, max]} in at most {@code target} steps (from a multiple of the step,
     * as 0 is; otherwise one more step may be needed), and the ends widened to whole steps (so a maximum of 39.11 gets 0, 10, 20, 30, 40 rather than 0, 9.78, 19.55, ...).
     * The same rule as the audit report's chart axis (audit.HtmlReport.Axis), on doubles: the bench
     * draws milliseconds as well as events per second.
     */
    record Axis(double low, double high, double step) {
        static Axis of(double min, double max, int target) {
            if (!(max >= min) || target < 1) {
                throw new IllegalArgumentException("axis " + min + ".." + max + " in " + target + " steps");
            }
            double span = max - min;
            if (span == 0) { // a constant series: an axis up to it (or one unit) rather than none
                span = Math.max(Math.abs(max), 1);
            }
            double raw = span / target;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = 10 * magnitude;
            for (double m : new double[]{1, 2, 5}) {
                if (m * magnitude >= raw * (1 - 1e-9)) {
                    step = m * magnitude;
                    break;
                }
            }
            double low = Math.floor(min / step + 1e-9) * step;
            double high = Math.ceil(max / step - 1e-9) * step;
            if (high <= low) {
                high = low + step;
            }
            return new Axis(low, high, step);
        }

        /** low, low + step, ... high; each computed from its index, so no rounding error accumulates. */
        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            long n = Math.round((high - low) / step);
            for (long i = 0; i <= n; i++) {
                t.add(low + i * step);
            }
            return t;
        }

        /** Where {@code v} lies between low (0) and high (1). */
        double fraction(double v) {
            return (v - low) / (high - low);
        }

        /** A tick's label: as many decimals as the step has (none from 1 up), thousands grouped. */
        String label(double v) {
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
            return String.format(Locale.ROOT, "%,." + decimals + "f", v);
        }
    }

    private static double min(double[] v) {
        double m = Double.MAX_VALUE;
        for (double d : v) {
            m = Math.min(m, d);
        }
        return v.length == 0 ? 0 : m;
    }

    private static double max(double[] v) {
        double m = -Double.MAX_VALUE;
        for (double d : v) {
            m = Math.max(m, d);
        }
        return v.length == 0 ? 1 : m;
    }
}
