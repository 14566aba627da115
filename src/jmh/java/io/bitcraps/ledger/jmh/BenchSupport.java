package io.bitcraps.ledger.jmh;

import io.bitcraps.ledger.api.LedgerView;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.projection.LedgerState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the benchmarks share: the JVM flags of the forked benchmark JVMs, synthetic events with the
 * postings the ledger's rules would give them, and small file helpers.
 */
final class BenchSupport {
    private BenchSupport() {}

    // Chronicle Bytes on Java 17 (pom property chronicle.jvm.flags; README "JVM flags").
    static final String ADD_OPENS_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    static final String ADD_EXPORTS_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    static final String ADD_EXPORTS_NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
    /** sqlite-jdbc unpacks its native library here (relative to the working directory), not into /tmp. */
    static final String SQLITE_TMPDIR = "-Dorg.sqlite.tmpdir=target/sqlite-native";

    /** The benchmarks' own setup and tear-down notes (the ledger's resources say warn for everything). */
    static final String BENCH_LOG = "-Dorg.slf4j.simpleLogger.log.io.bitcraps.ledger.jmh=info";

    /** Creates the directory named by {@code org.sqlite.tmpdir}; sqlite-jdbc does not create it itself. */
    static void prepareSqliteTmpdir() {
        String dir = System.getProperty("org.sqlite.tmpdir");
        if (dir != null) {
            try {
                Files.createDirectories(Path.of(dir));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is not worth failing a benchmark for
                }
            });
        } catch (IOException ignored) {
            // same
        }
    }

    /**
     * A {@link LedgerView} over a state built here. The constructor is package-private (only the
     * ledger publishes views), so the benchmarks reach it by reflection, once, in setup.
     */
    static LedgerView viewOf(LedgerState state) {
        try {
            Constructor<LedgerView> c = LedgerView.class.getDeclaredConstructor(LedgerState.class);
            c.setAccessible(true);
            return c.newInstance(state);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("LedgerView(LedgerState) is gone; update BenchSupport.viewOf", e);
        }
    }

    /** Cheap per-thread random numbers (xorshift), so that picking a key costs a few ns, not a ThreadLocalRandom call. */
    static final class XorShift {
        private int x;

        XorShift(int seed) {
            this.x = seed == 0 ? 0x9E3779B9 : seed;
        }

        int next(int bound) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return (x & 0x7fffffff) % bound;
        }
    }

    /**
     * Events as the writer would make them: consecutive seqs, non-decreasing timestamps, and the
     * postings {@code Decider} gives each command (the projector re-checks that they balance).
     */
    static final class Events {
        private long seq;
        private long ts;

        Events(long lastSeq, long lastTimestampMicros) {
            this.seq = lastSeq;
            this.ts = lastTimestampMicros;
        }

        static Events after(LedgerState s) {
            return new Events(s.seq(), s.lastTimestampMicros());
        }

        private LedgerEvent next(Command c, List<Posting> postings) {
            return new LedgerEvent(++seq, ++ts, c, postings, null, 1);
        }

        LedgerEvent fundHouse(long amount) {
            return next(new Command.FundHouse(amount, "bankroll"),
                    List.of(new Posting(Account.WORLD, -amount), new Posting(Account.HOUSE, amount)));
        }

        LedgerEvent deposit(String player, long amount) {
            return next(new Command.Deposit(player, amount, "cashier-7"),
                    List.of(new Posting(Account.WORLD, -amount), new Posting(Account.player(player), amount)));
        }

        LedgerEvent withdraw(String player, long amount) {
            return next(new Command.Withdraw(player, amount, "cashier-7"),
                    List.of(new Posting(Account.player(player), -amount), new Posting(Account.WORLD, amount)));
        }

        LedgerEvent openGame(String game, String table) {
            return next(new Command.OpenGame(game, table), List.of());
        }

        LedgerEvent placeBet(String game, String bet, String player, long amount) {
            return next(new Command.PlaceBet(game, bet, player, BetType.PASS_LINE, null, amount),
                    List.of(new Posting(Account.player(player), -amount), new Posting(Account.escrow(game), amount)));
        }

        LedgerEvent roll(String game, int die1, int die2) {
            return next(new Command.RecordRoll(game, die1, die2), List.of());
        }

        /** WIN pays even money from the house; LOSE moves the stake to the house. */
        LedgerEvent settle(String game, String bet, String player, long stake, boolean win) {
            if (win) {
                return next(new Command.SettleBet(game, bet, Outcome.WIN, stake),
                        List.of(new Posting(Account.escrow(game), -stake), new Posting(Account.HOUSE, -stake),
                                new Posting(Account.player(player), 2 * stake)));
            }
            return next(new Command.SettleBet(game, bet, Outcome.LOSE, 0),
                    List.of(new Posting(Account.escrow(game), -stake), new Posting(Account.HOUSE, stake)));
        }

        LedgerEvent closeGame(String game) {
            return next(new Command.CloseGame(game), List.of());
        }

        LedgerEvent setLimits(String player) {
            return next(new Command.SetLimits(player, 500L, 2_000L, 5_000L, 300L, 100L), List.of());
        }

        LedgerEvent startEpoch() {
            return next(new Command.StartEpoch(1, "promoted"), List.of());
        }

        LedgerEvent selfExclude(String player) {
            return next(new Command.SelfExclude(player, io.bitcraps.ledger.domain.Exclusion.COOL_OFF, 72), List.of());
        }
    }
}
