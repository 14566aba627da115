package io.bitcraps.ledger.audit;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit report's charts: axes over the data's own range at readable steps, so small movements on large values show. */
class HtmlChartTest {
    @Test
    void anAxisHasNiceStepsCoversTheDataAndIsNotForcedThroughZero() {
        HtmlReport.Axis a = HtmlReport.Axis.of(9_992_013, 10_007_981, 5);
        assertThat(a.low()).isLessThanOrEqualTo(9_992_013).isPositive();
        assertThat(a.high()).isGreaterThanOrEqualTo(10_007_981);
        assertThat(a.step()).isIn(1_000L, 2_000L, 5_000L, 10_000L);
        assertThat(a.ticks()).hasSizeBetween(3, 12).allSatisfy(t -> assertThat(t % a.step()).isZero());

        HtmlReport.Axis seqs = HtmlReport.Axis.of(1, 5_829, 6);
        assertThat(seqs.step()).isEqualTo(1_000);
        assertThat(seqs.ticks()).containsExactly(0L, 1_000L, 2_000L, 3_000L, 4_000L, 5_000L, 6_000L);

        HtmlReport.Axis flat = HtmlReport.Axis.of(42, 42, 5);
        assertThat(flat.low()).isLessThan(42);
        assertThat(flat.high()).isGreaterThan(42);

        HtmlReport.Axis negative = HtmlReport.Axis.of(-7_300, 2_100, 5);
        assertThat(negative.low()).isLessThanOrEqualTo(-7_300);
        assertThat(negative.ticks()).contains(0L);
    }

    @Test
    void aSmallMovementOnALargeBalanceUsesTheHeightOfTheChart() {
        int n = 200;
        long[] xs = new long[n];
        long[] ys = new long[n];
        for (int i = 0; i < n; i++) {
            xs[i] = i * 30L;
            ys[i] = 10_000_000 + Math.round(8_000 * Math.sin(i / 10.0));
        }
        String svg = HtmlReport.chart(xs, ys, "seq", "chips", "#000");
        Matcher points = Pattern.compile("points=\"([^\"]+)\"").matcher(svg);
        assertThat(points.find()).isTrue();
        List<Double> y = new ArrayList<>();
        for (String p : points.group(1).split(" ")) {
            y.add(Double.parseDouble(p.split(",")[1]));
        }
        double span = y.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                - y.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        assertThat(span).as("pixels the ±8k movement spans").isGreaterThan(100);
        // readable labels: the y ticks are whole multiples of a nice step, written with grouping
        assertThat(svg).contains("10,000,000").doesNotContain("19.55");
    }
}
