package io.bitcraps.ledger.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
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
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double minX = min(xs);
        double maxX = max(xs);
        double maxY = Math.max(1e-9, max(ys)) * 1.1;
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);
        for (int i = 0; i <= 4; i++) {
            double v = maxY * i / 4;
            int y = TOP + plotH - (int) (plotH * i / 4.0);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT + 1, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.2f", v), 8, y + 4);
        }
        g.drawString(yLabel, 8, TOP - 10);
        g.drawString(xLabel, LEFT + plotW / 2 - 30, H - 15);
        int[] px = new int[xs.length];
        int[] py = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            px[i] = LEFT + (int) (plotW * (maxX == minX ? 0.5 : (xs[i] - minX) / (maxX - minX)));
            py[i] = TOP + plotH - (int) (plotH * ys[i] / maxY);
            g.drawString(labels[i], px[i] - 12, TOP + plotH + 18);
        }
        g.setColor(new Color(31, 95, 168));
        g.setStroke(new BasicStroke(2.2f));
        g.drawPolyline(px, py, xs.length);
        for (int i = 0; i < xs.length; i++) {
            g.fillOval(px[i] - 4, py[i] - 4, 8, 8);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
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
