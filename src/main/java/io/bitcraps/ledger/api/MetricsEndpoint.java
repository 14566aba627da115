package io.bitcraps.ledger.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Prometheus scrape endpoint: {@code GET /metrics} on the JDK's HTTP server, in Prometheus's
 * text format, from a {@link PrometheusMeterRegistry}. One thread serves it, off the writer's;
 * {@code beforeScrape} refreshes the gauges that are read from the ledger's state (health per check,
 * subscription lag) just before each scrape.
 */
final class MetricsEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    MetricsEndpoint(String host, int port, PrometheusMeterRegistry registry, Runnable beforeScrape) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bitcraps-metrics-endpoint");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/metrics", exchange -> serve(exchange, registry, beforeScrape));
        try {
            server.start();
        } catch (RuntimeException e) {
            server.stop(0);
            thread.shutdownNow();
            throw e;
        }
        LOG.info("metrics at http://{}:{}/metrics", host, address().getPort());
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry, Runnable beforeScrape)
            throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try {
                beforeScrape.run();
                body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                LOG.warn("a scrape failed: {}", e.toString());
                exchange.sendResponseHeaders(500, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            thread.shutdownNow();
        }
    }
}
