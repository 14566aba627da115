package io.bitcraps.ledger.bench;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench's charts (docs/images): value axes at nice steps, and every label inside the image. */
class ChartsTest {
    @Test
    void theLatencyAxisOfTheIssueGetsTicksAtTens() {
        // the chart had 0, 9.78, 19.55, 29.33, 39.11: its top was the data's maximum, cut in four
        Charts.Axis a = Charts.Axis.of(0, 39.11, Charts.Y_TICKS);
        assertThat(a.step()).isEqualTo(10);
        assertThat(a.ticks()).containsExactly(0.0, 10.0, 20.0, 30.0, 40.0);
        assertThat(a.ticks().stream().map(a::label)).containsExactly("0", "10", "20", "30", "40");

        // the run of record's latency chart: p99.99 at 41.37 ms
        assertThat(Charts.Axis.of(0, 41.37, Charts.Y_TICKS).ticks()).containsExactly(0.0, 10.0, 20.0, 30.0, 40.0, 50.0);
    }

    @Test
    void stepsAreOneTwoOrFiveTimesAPowerOfTenAndTheAxisCoversTheData() {
        // the run of record's batch cap curve: at most 117,202 events/s
        Charts.Axis throughput = Charts.Axis.of(0, 117_202, Charts.Y_TICKS);
        assertThat(throughput.step()).isEqualTo(20_000);
        assertThat(throughput.high()).isEqualTo(120_000);
        assertThat(throughput.ticks().stream().map(throughput::label))
                .containsExactly("0", "20,000", "40,000", "60,000", "80,000", "100,000", "120,000");

        Charts.Axis small = Charts.Axis.of(0, 0.83, Charts.Y_TICKS);
        assertThat(small.step()).isEqualTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(small.ticks().stream().map(small::label)).containsExactly("0.0", "0.2", "0.4", "0.6", "0.8", "1.0");

        Charts.Axis exact = Charts.Axis.of(0, 50, Charts.Y_TICKS);
        assertThat(exact.ticks()).containsExactly(0.0, 10.0, 20.0, 30.0, 40.0, 50.0);

        for (double max : new double[]{0.013, 1, 3.7, 9.99, 12.5, 19.55, 99, 101, 4_493, 76_031, 128_923, 2.5e9}) {
            Charts.Axis a = Charts.Axis.of(0, max, Charts.Y_TICKS);
            double mantissa = a.step() / Math.pow(10, Math.floor(Math.log10(a.step()) + 1e-9));
            assertThat(Math.round(mantissa)).as("step %s for %s", a.step(), max).isIn(1L, 2L, 5L);
            assertThat(mantissa).as("step %s for %s", a.step(), max).isCloseTo(Math.round(mantissa),
                    org.assertj.core.data.Offset.offset(1e-6));
            assertThat(a.low()).isZero();
            assertThat(a.high()).as("top for %s", max).isGreaterThanOrEqualTo(max).isLessThan(max + a.step());
            assertThat(a.ticks()).as("ticks for %s", max).hasSizeBetween(3, Charts.Y_TICKS + 1);
        }
    }

    @Test
    void anEmptyOrFlatSeriesStillGetsAnAxis() {
        assertThat(Charts.Axis.of(0, 0, Charts.Y_TICKS).ticks()).hasSizeGreaterThanOrEqualTo(2).startsWith(0.0);
        Charts.Axis flat = Charts.Axis.of(42, 42, 5);
        assertThat(flat.low()).isLessThanOrEqualTo(42);
        assertThat(flat.high()).isGreaterThan(42);
    }

    @Test
    void aLabelOnTheEdgeOfThePlotStaysInsideTheImage() {
        assertThat(Charts.labelLeft(450, 40, 900)).isEqualTo(430); // centred where there is room
        assertThat(Charts.labelLeft(880, 40, 900)).isEqualTo(900 - Charts.MARGIN - 40);
        assertThat(Charts.labelLeft(3, 40, 900)).isEqualTo(Charts.MARGIN);
    }

    @Test
    void theLatencyChartDrawsNothingOnItsBorder() {
        // the percentiles of the issue, drawn as the bench draws them: no label or line may touch the image's edge
        double[] xs = {-Math.log10(0.5), 1, 2, 3, 4};
        double[] ys = {1.5, 5.2, 20.5, 34.1, 39.11};
        String[] labels = {"p50", "p90", "p99", "p99.9", "p99.99"};
        BufferedImage img = Charts.render("Submit-to-durable latency", "percentile", "ms", xs, ys, labels);
        int white = 0xFFFFFF;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x : new int[]{0, 1, img.getWidth() - 2, img.getWidth() - 1}) {
                assertThat(img.getRGB(x, y) & 0xFFFFFF).as("pixel %d,%d", x, y).isEqualTo(white);
            }
        }
        for (int x = 0; x < img.getWidth(); x++) {
            for (int y : new int[]{0, 1, img.getHeight() - 2, img.getHeight() - 1}) {
                assertThat(img.getRGB(x, y) & 0xFFFFFF).as("pixel %d,%d", x, y).isEqualTo(white);
            }
        }
    }
}
