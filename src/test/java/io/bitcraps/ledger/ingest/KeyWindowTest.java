package io.bitcraps.ledger.ingest;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log-first writer's window of idempotency keys: what it holds must be exactly the newest
 * keysMax keys none older than the window before the newest, whatever the hashes share; checked
 * against a plain list on random streams with a hash of 3 bits, so that every probe chain is long
 * and deletions shift entries across the table's end.
 */
class KeyWindowTest {
    private record Entry(String key, long seq, long ts) {}

    @Test
    void holdsTheNewestKeysWithinTheWindowAndEvictsTheRest() {
        KeyWindow w = new KeyWindow(3, 1_000);
        w.add("a", 1, 10);
        w.add("b", 2, 20);
        w.add("c", 3, 30);
        assertThat(w.candidates("a")).containsExactly(1);
        w.add("d", 4, 40); // by count
        assertThat(w.candidates("a")).isEmpty();
        assertThat(w.candidates("b")).containsExactly(2);
        w.add("e", 5, 1_035);
        w.advanceTo(1_035); // by time: b (20) and c (30) are more than 1,000 older than 1,035; d (40) is not
        assertThat(w.candidates("b")).isEmpty();
        assertThat(w.candidates("c")).isEmpty();
        assertThat(w.candidates("d")).containsExactly(4);
        assertThat(w.candidates("e")).containsExactly(5);
        assertThat(w.size()).isEqualTo(2);
    }

    @Test
    void keysThatShareAHashAreAllCandidates() {
        KeyWindow w = new KeyWindow(10, Long.MAX_VALUE / 2, k -> 42L);
        w.add("x", 7, 1);
        w.add("y", 8, 2);
        assertThat(w.candidates("x")).containsExactly(7, 8);
        assertThat(w.candidates("anything")).containsExactly(7, 8);
    }

    @Test
    void randomStreamsAgreeWithAPlainList() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("KeyWindowTest seed=" + seed + " (replay: -Dseed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 50; round++) {
            // small windows wrap probe chains round the table's end; large ones make it grow from 512 keys
            int keysMax = random.nextBoolean() ? 1 + random.nextInt(40) : 1 + random.nextInt(3_000);
            long window = 1 + random.nextInt(keysMax > 40 ? 50_000 : 500);
            KeyWindow w = new KeyWindow(keysMax, window, k -> k.hashCode() & 7);
            ArrayDeque<Entry> model = new ArrayDeque<>();
            long ts = 0;
            List<String> used = new ArrayList<>();
            int seqs = keysMax > 40 ? 4_000 : 400;
            for (int seq = 1; seq <= seqs; seq++) {
                ts += random.nextInt(20);
                String key = "k" + seq;
                w.add(key, seq, ts);
                w.advanceTo(ts);
                used.add(key);
                model.addLast(new Entry(key, seq, ts));
                while (model.size() > keysMax || model.peekFirst().ts() < ts - window) {
                    model.removeFirst();
                }
                if (random.nextInt(10) == 0) {
                    String probe = used.get(random.nextInt(used.size()));
                    int h = probe.hashCode() & 7;
                    long[] expected = model.stream().filter(e -> (e.key().hashCode() & 7) == h).mapToLong(Entry::seq).sorted().toArray();
                    long[] actual = w.candidates(probe);
                    Arrays.sort(actual);
                    assertThat(actual).as("seed %d round %d seq %d probe %s", seed, round, seq, probe).containsExactly(expected);
                }
            }
            assertThat(w.size()).isEqualTo(model.size());
        }
    }
}
