package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.feed.From;
import io.bitcraps.ledger.health.HealthThresholds;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Prometheus endpoint ({@code LedgerConfig.Builder.prometheusEndpoint}): a real HTTP scrape of
 * a running ledger shows its meters in Prometheus's text format, those read from its state included
 * (failed batches, halted writer, free disk, each health check, each subscription's lag); an
 * embedder's own registry gets the same meters; close stops the endpoint.
 */
class MetricsEndpointIT {
    @TempDir
    Path dir;

    private static HttpResponse<String> scrape(InetSocketAddress at) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort()
                + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aScrapeShowsTheLedgersMetersAndTheyMoveWithIt() throws Exception {
        SimpleMeterRegistry own = new SimpleMeterRegistry();
        InetSocketAddress at;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("m.db")).backupInterval(Duration.ZERO)
                .healthInterval(Duration.ZERO).healthThresholds(HealthThresholds.defaults().withMinFreeBytes(0))
                .meterRegistry(own).prometheusEndpoint("127.0.0.1", 0).build())) {
            at = ledger.metricsAddress().orElseThrow();
            for (int i = 0; i < 10; i++) {
                ok(ledger.submit(new Command.Deposit("p" + i, 100 + i, "cash-" + i)));
            }
            try (var sub = ledger.subscribe("reports", From.beginning(), batch -> { })) {
                sub.awaitPosition(ledger.view().seq(), Duration.ofSeconds(30));
                ledger.health();
                HttpResponse<String> r = scrape(at);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
                String body = r.body();
                assertThat(body).contains("ledger_appends_total 10.0", "ledger_commits_total", "ledger_batches_failed_total 0.0",
                        "ledger_writer_halted 0.0", "ledger_disk_free_bytes", "ledger_health_status{check=\"chain\"} 0.0",
                        "ledger_health_status{check=\"writer\"} 0.0", "ledger_subscription_lag_events{name=\"reports\"} 0.0",
                        "hikaricp_connections");
                ok(ledger.submit(new Command.Deposit("p0", 5, "cash-more")));
                assertThat(scrape(at).body()).contains("ledger_appends_total 11.0");
            }
            // the embedder's own registry has the same meters
            assertThat(own.find("ledger.appends").functionCounter()).isNotNull();
            assertThat(own.find("ledger.appends").functionCounter().count()).isEqualTo(11.0);
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> scrape(at))).as("closed with the ledger")
                .isInstanceOf(java.io.IOException.class);
    }

    /** {@code tools/ledger ingest --metrics-port 0}: while it reads its input, a scrape sees the lines it committed. */
    @Test
    void aLongRunningCommandServesItsMetersWithMetricsPort() throws Exception {
        Path db = dir.resolve("cli.db");
        Process child = io.bitcraps.ledger.support.ChildJvm.ledger(dir, "ingest", "--db", db.toString(), "--durability",
                "normal", "--metrics-port", "0").redirectError(dir.resolve("ingest.err").toFile())
                .redirectOutput(dir.resolve("ingest.out").toFile()).start();
        try (java.io.Writer in = new java.io.OutputStreamWriter(child.getOutputStream(), java.nio.charset.StandardCharsets.UTF_8)) {
            in.write("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":1000,\"reference\":\"cash-1\"}\n");
            in.write("{\"type\":\"deposit\",\"player\":\"bob\",\"amount\":500,\"reference\":\"cash-2\"}\n");
            in.flush();
            java.util.regex.Pattern announced = java.util.regex.Pattern.compile("ingest: metrics at http://127\\.0\\.0\\.1:(\\d+)/metrics");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String body = "";
            while (System.nanoTime() < deadline && !body.contains("ledger_appends_total 2.0")) {
                java.util.regex.Matcher m = announced.matcher(java.nio.file.Files.readString(dir.resolve("ingest.err")));
                if (m.find()) {
                    body = scrape(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)))).body();
                }
                Thread.sleep(100);
            }
            assertThat(body).as(java.nio.file.Files.readString(dir.resolve("ingest.err"))).contains("ledger_appends_total 2.0",
                    "ledger_writer_halted 0.0");
        }
        assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
    }

    @Test
    void withoutTheOptionThereIsNoEndpoint() {
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(dir.resolve("n.db")).backupInterval(Duration.ZERO).build())) {
            assertThat(ledger.metricsAddress()).isEmpty();
        }
    }
}
