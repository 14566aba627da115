package io.bitcraps.ledger.bench;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.cdc.KafkaRelay;
import io.bitcraps.ledger.cdc.Standby;
import io.bitcraps.ledger.cdc.Topics;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.concurrent.atomic.LongAdder;

/**
 * The scale-out measurement of issue #14: {@code shards} ledgers in this JVM, each written by a floor
 * load ({@link FloorLoad}), each published by its own relay into one topic of {@code shards}
 * partitions, each followed by its own standby, and one consumer that adds up the house's chips
 * across all shards from the records alone. Two phases: the ledgers as fast as they go (100 %), then
 * each paced at half the rate it reached (50 %). For each: the events committed per second, the
 * relays' throughput, and the end-to-end lag (commit on the primary to applied on the replica) p50,
 * p99 and max over every batch the standbys applied after a warm-up. At the end every replica must
 * hold its primary's chain head, and the consumer's house totals must equal the primaries'.
 */
public final class ScaleOut {
    /** {@code inProcess}: each ledger publishes itself ({@code LedgerConfig.publishTo}) instead of a {@link KafkaRelay} beside it. */
    public record Settings(Path dir, String bootstrap, String topic, int shards, Duration phase, Duration warmUp,
                           boolean inProcess) {}

    public record Phase(String name, double eventsPerSecond, double publishedPerSecond, double lagP50Millis,
                        double lagP99Millis, double lagMaxMillis, long batches) {}

    public record Result(int shards, boolean inProcess, List<Phase> phases, long events, boolean replicasMatch,
                         long houseTotalLedgers, long houseTotalConsumer) {
        public String text() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "scale-out: %d shards into one topic of %d partitions, %s and a standby each%n", shards, shards,
                    inProcess ? "a relay inside the ledger (LedgerConfig.publishTo)" : "a relay beside the ledger"));
            for (Phase p : phases) {
                s.append(String.format(Locale.ROOT, "  %-5s ledgers %,9.0f events/s, relays %,9.0f events/s; end-to-end lag"
                                + " p50 %,7.1f ms, p99 %,7.1f ms, max %,7.1f ms over %,d batches%n", p.name(), p.eventsPerSecond(),
                        p.publishedPerSecond(), p.lagP50Millis(), p.lagP99Millis(), p.lagMaxMillis(), p.batches()));
            }
            s.append(String.format(Locale.ROOT, "  replicas  %,d events; every replica holds its primary's chain head: %s%n",
                    events, replicasMatch));
            s.append(String.format(Locale.ROOT, "  house     %,d chips across the ledgers, %,d by the consumer of the topic: %s%n",
                    houseTotalLedgers, houseTotalConsumer, houseTotalLedgers == houseTotalConsumer ? "equal" : "DIFFERENT"));
            return s.toString();
        }
    }

    private ScaleOut() {}

    public static Result run(Settings s) throws Exception {
        Files.createDirectories(s.dir());
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        try (Admin a = Admin.create(admin)) {
            a.createTopics(List.of(new NewTopic(s.topic(), s.shards(), (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        List<Ledger> ledgers = new ArrayList<>();
        List<Path> primaries = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < s.shards(); i++) {
            Path db = s.dir().resolve("shard-" + i + ".db");
            primaries.add(db);
            LedgerConfig.Builder config = LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
            Ledger l = Ledger.open((s.inProcess() ? config.publishTo(s.bootstrap(), s.topic()) : config).build());
            FloorLoad.fund(l, 1);
            ledgers.add(l);
            try (Connection c = LedgerDatabase.openReadOnly(db)) {
                ids.add(LedgerDatabase.ledgerId(c));
            }
        }
        AtomicBoolean stopAll = new AtomicBoolean();
        List<LongSupplier> relays = new ArrayList<>(); // each relay's published seq
        List<CompletableFuture<?>> background = new ArrayList<>();
        for (int i = 0; i < s.shards(); i++) {
            if (s.inProcess()) {
                Ledger l = ledgers.get(i);
                relays.add(() -> l.relayStatus().orElseThrow().publishedSeq());
                continue;
            }
            KafkaRelay relay = new KafkaRelay(KafkaRelay.Settings.of(primaries.get(i), s.bootstrap(), s.topic()));
            relays.add(() -> relay.status().publishedSeq());
            background.add(CompletableFuture.runAsync(() -> {
                try {
                    relay.run(stopAll);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Recorder lag = new Recorder(3);
        List<Standby> standbys = new ArrayList<>();
        for (int i = 0; i < s.shards(); i++) {
            Standby standby = new Standby(Standby.Settings.of(s.dir().resolve("replica-" + i + ".db"), s.bootstrap(), s.topic())
                    .ledger(ids.get(i)));
            standby.onBatchLagMicros(lag::recordValue);
            standbys.add(standby);
            background.add(CompletableFuture.runAsync(() -> {
                try {
                    standby.run(stopAll);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Map<String, Long> houseByLedger = new ConcurrentHashMap<>();
        background.add(CompletableFuture.runAsync(() -> aggregate(s, houseByLedger, stopAll)));

        List<Phase> phases = new ArrayList<>();
        double[] rates = new double[s.shards()];
        phases.add(phase("100%", s, ledgers, relays, lag, rates, null));
        catchUp(ledgers, relays, standbys); // the next phase starts without the backlog of this one
        double[] half = new double[s.shards()];
        for (int i = 0; i < half.length; i++) {
            half[i] = rates[i] / 2;
        }
        phases.add(phase("50%", s, ledgers, relays, lag, new double[s.shards()], half));

        catchUp(ledgers, relays, standbys);
        long events = 0;
        long houseLedgers = 0;
        for (int i = 0; i < s.shards(); i++) {
            long head = ledgers.get(i).view().seq();
            events += head;
            houseLedgers += ledgers.get(i).view().balance(Account.HOUSE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (standbys.get(i).status().appliedSeq() < head && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sum(houseByLedger) != houseLedgers && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        stopAll.set(true);
        for (CompletableFuture<?> f : background) {
            f.get(60, TimeUnit.SECONDS);
        }
        boolean match = true;
        for (int i = 0; i < s.shards(); i++) {
            match &= headOf(primaries.get(i)).equals(headOf(s.dir().resolve("replica-" + i + ".db")));
        }
        for (Standby standby : standbys) {
            standby.close();
        }
        for (Ledger l : ledgers) {
            l.close();
        }
        return new Result(s.shards(), s.inProcess(), phases, events, match, houseLedgers, sum(houseByLedger));
    }

    /** Waits (up to two minutes) until every relay published and every standby applied its ledger's head. */
    private static void catchUp(List<Ledger> ledgers, List<LongSupplier> relays, List<Standby> standbys)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < ledgers.size(); i++) {
            long head = ledgers.get(i).view().seq();
            while ((relays.get(i).getAsLong() < head || standbys.get(i).status().appliedSeq() < head)
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }

    /** One phase: the floors at full speed ({@code paced} null; their rates into {@code ratesOut}) or paced. */
    private static Phase phase(String name, Settings s, List<Ledger> ledgers, List<LongSupplier> relays, Recorder lag,
                               double[] ratesOut, double[] paced) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<LongAdder> counts = new ArrayList<>();
        List<CompletableFuture<?>> load = new ArrayList<>();
        for (int i = 0; i < ledgers.size(); i++) {
            LongAdder events = new LongAdder();
            counts.add(events);
            Ledger l = ledgers.get(i);
            double rate = paced == null ? 0 : paced[i];
            String tag = "so-" + name.replace("%", "") + "-" + System.nanoTime();
            load.add(CompletableFuture.runAsync(() -> FloorLoad.produce(l, 0, tag, 7, 256, stop, events, rate)));
        }
        Thread.sleep(s.warmUp().toMillis());
        lag.getIntervalHistogram(); // what the warm-up applied is not measured
        long[] committed0 = new long[ledgers.size()];
        long published0 = 0;
        for (int i = 0; i < ledgers.size(); i++) {
            committed0[i] = ledgers.get(i).view().seq();
            published0 += relays.get(i).getAsLong();
        }
        long t0 = System.nanoTime();
        Thread.sleep(s.phase().toMillis());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long committed = 0;
        long published1 = 0;
        for (int i = 0; i < ledgers.size(); i++) {
            long c = ledgers.get(i).view().seq() - committed0[i];
            ratesOut[i] = c / seconds;
            committed += c;
            published1 += relays.get(i).getAsLong();
        }
        Histogram h = lag.getIntervalHistogram();
        stop.set(true);
        for (CompletableFuture<?> f : load) {
            f.get(60, TimeUnit.SECONDS);
        }
        return new Phase(name, committed / seconds, (published1 - published0) / seconds, h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
    }

    /** Adds up, per ledger, the house's postings in every record of the topic, from the records alone. */
    private static void aggregate(Settings s, Map<String, Long> houseByLedger, AtomicBoolean stop) {
        JsonMapper json = JsonMapper.builder().build();
        try (KafkaConsumer<byte[], byte[]> c = Topics.committedReader(s.bootstrap(), "bitcraps-house-totals")) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < s.shards(); p++) {
                all.add(new TopicPartition(s.topic(), p));
            }
            c.assign(all);
            c.seekToBeginning(all);
            Map<String, Long> local = new HashMap<>();
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    JsonNode value = json.readTree(r.value());
                    long delta = 0;
                    for (JsonNode p : value.path("postings")) {
                        if ("house".equals(p.path("account").asString())) {
                            delta += p.path("delta").longValue();
                        }
                    }
                    if (delta != 0) {
                        local.merge(new String(r.key(), StandardCharsets.UTF_8), delta, Long::sum);
                    }
                }
                houseByLedger.putAll(local);
            }
        }
    }

    private static long sum(Map<String, Long> m) {
        long s = 0;
        for (long v : m.values()) {
            s += v;
        }
        return s;
    }

    private static String headOf(Path db) throws Exception {
        try (Connection c = LedgerDatabase.openReadOnly(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, hex(hash) FROM events ORDER BY seq DESC LIMIT 1")) {
            return rs.next() ? rs.getLong(1) + ":" + rs.getString(2) : "empty";
        }
    }
}
