package io.bitcraps.ledger.reliability;

import io.bitcraps.ledger.api.BackupResult;
import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.backup.JournalArchive;
import io.bitcraps.ledger.backup.Restore;
import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.JournalRecord;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.codec.PayloadException;
import io.bitcraps.ledger.crash.Reliability;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Command.CloseGame;
import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.FundHouse;
import io.bitcraps.ledger.domain.Command.OpenGame;
import io.bitcraps.ledger.domain.Command.PlaceBet;
import io.bitcraps.ledger.domain.Command.RecordRoll;
import io.bitcraps.ledger.domain.Command.SettleBet;
import io.bitcraps.ledger.domain.Command.Withdraw;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.LedgerException;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Receipt;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import io.bitcraps.ledger.support.ChildJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bad-input catalogue (issue 7, item 4), through the Java API and through {@code ingest} in a
 * child JVM, plus damaged Smile and damaged archive records on the replay paths. Every bad input
 * gets its own typed error or receipt (asserted code by code), rejected input adds no event, and
 * valid commands submitted at the same time keep committing. Randomized parts print their seed;
 * replay with {@code -Dbadinput.seed=…}.
 */
class BadInputCatalogueIT {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String SQL = "'); DROP TABLE events;--";
    /** Printable ASCII without a space, so a valid key; still SQL to anyone who splices strings. */
    private static final String SQL_KEY = "');DROP/**/TABLE/**/events;--";
    private static final long SEED = Long.getLong("badinput.seed", System.nanoTime());

    private static final AtomicLong API_BAD = new AtomicLong();
    private static final AtomicLong CLI_BAD = new AtomicLong();
    private static final AtomicLong CODEC_BAD = new AtomicLong();
    private static final AtomicLong REPLAY_BAD = new AtomicLong();
    private static final AtomicLong VALID_ALONGSIDE = new AtomicLong();

    @TempDir
    Path dir;

    @AfterAll
    static void summary() {
        long total = API_BAD.get() + CLI_BAD.get() + CODEC_BAD.get() + REPLAY_BAD.get();
        System.out.printf("BadInputCatalogueIT: %d bad inputs tried (%d through the Java API, %d ingest lines, %d Smile"
                        + " payloads, %d damaged archive/export replays), each refused with its own typed error; %d valid"
                        + " commands committed alongside; 0 events written for rejected input (seed %d)%n",
                total, API_BAD.get(), CLI_BAD.get(), CODEC_BAD.get(), REPLAY_BAD.get(), VALID_ALONGSIDE.get(), SEED);
    }

    private static LedgerConfig.Builder config(Path db) {
        return LedgerConfig.builder(db).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    // =====================================================================================
    // 1. the Java API
    // =====================================================================================

    /** One bad (or tricky) input: how to submit it, and what must come back. */
    private record Item(String name, Callable<CompletableFuture<Receipt>> attempt, String expect) {}

    private static final String OK = "ok: a new event";
    private static final String SAME = "ok: the original receipt";
    /** A fresh key: the first submission writes an event, every later one returns that receipt. */
    private static final String KEY_ONCE = "ok: once, then the same receipt";

    /** A receipt, or the ledger error the attempt failed with (thrown by the constructor or through the future). */
    private static Object outcome(Item item) throws Exception {
        CompletableFuture<Receipt> f;
        try {
            f = item.attempt().call();
        } catch (LedgerException e) {
            return e; // refused by the command's constructor, before it reached the ring
        }
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).as(item.name()).isInstanceOf(LedgerException.class);
            return e.getCause();
        }
    }

    @Test
    void everyBadInputThroughTheJavaApiGetsItsOwnTypedErrorWritesNothingAndValidCommandsKeepCommittingAlongside()
            throws Exception {
        Path db = dir.resolve("api.db");
        Set<Long> acceptedSeqs = new HashSet<>();
        long setupEvents;
        Receipt dupOriginal;
        AtomicLong backgroundAcks = new AtomicLong();
        try (Ledger ledger = Ledger.open(config(db).build())) {
            // the table in play: a bankroll, a player, two games, a settled bet and an open one, a keyed deposit,
            // and a whale whose balance sits exactly on the limit
            ok(ledger.submit(new FundHouse(1_000_000, "bankroll")));
            ok(ledger.submit(new Deposit("alice", 1_000, "cash")));
            ok(ledger.submit(new OpenGame("g1", "t1")));
            ok(ledger.submit(new OpenGame("g2", "t1")));
            ok(ledger.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
            // craps on the come-out: the pass line loses, settled with the roll as the rulebook says
            ok(ledger.submitAtomically(List.of(new RecordRoll("g1", 1, 1), new SettleBet("g1", "b1", Outcome.LOSE, 0))));
            ok(ledger.submit(new PlaceBet("g1", "b2", "alice", BetType.FIELD, null, 50)));
            dupOriginal = ok(ledger.submit(new Deposit("alice", 10, "keyed"), "dup-key"));
            List<CompletableFuture<Receipt>> whale = new ArrayList<>();
            for (long held = 0; held < Limits.BALANCE_MAX; held += Limits.AMOUNT_MAX) {
                whale.add(ledger.submit(new Deposit("whale", Limits.AMOUNT_MAX, "whale")));
            }
            whale.forEach(BadInputCatalogueIT::ok);
            assertThat(ledger.view().balance(Account.player("whale"))).isEqualTo(Limits.BALANCE_MAX);
            setupEvents = ledger.view().seq();

            List<Item> catalogue = apiCatalogue(ledger, dupOriginal);
            Map<String, Receipt> firstReceipts = new java.util.HashMap<>();

            // round 1, alone: each rejected input leaves the seq where it was, each accepted one adds exactly one event
            for (Item item : catalogue) {
                long before = ledger.view().seq();
                Object result = outcome(item);
                check(item, result, dupOriginal);
                long after = ledger.view().seq();
                if (item.expect().equals(OK) || item.expect().equals(KEY_ONCE)) {
                    assertThat(after).as("%s adds one event", item.name()).isEqualTo(before + 1);
                    acceptedSeqs.add(((Receipt) result).seq());
                    firstReceipts.put(item.name(), (Receipt) result);
                } else {
                    assertThat(after).as("%s writes nothing", item.name()).isEqualTo(before);
                }
            }

            // round 2, the same catalogue while another thread keeps submitting valid commands
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> backgroundErrors = new ConcurrentLinkedQueue<>();
            Thread background = new Thread(() -> {
                ArrayDeque<CompletableFuture<Receipt>> window = new ArrayDeque<>();
                try {
                    for (int i = 0; !stop.get() || !window.isEmpty(); i++) {
                        if (!stop.get()) {
                            window.add(ledger.submit(new Deposit("bg" + (i % 8), 1 + i % 50, "bg-" + i)));
                        }
                        if (window.size() > 16 || stop.get()) {
                            window.poll().get(30, TimeUnit.SECONDS);
                            backgroundAcks.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    backgroundErrors.add(e);
                }
            }, "valid-commands");
            background.start();
            Thread.sleep(50);
            for (Item item : catalogue) {
                Object result = outcome(item);
                check(item, result, dupOriginal);
                if (item.expect().equals(OK)) {
                    acceptedSeqs.add(((Receipt) result).seq());
                } else if (item.expect().equals(KEY_ONCE)) {
                    assertThat(result).as("%s: the second time, the original receipt", item.name())
                            .isEqualTo(firstReceipts.get(item.name()));
                }
            }
            stop.set(true);
            background.join(60_000);
            assertThat(backgroundErrors).as("the valid commands alongside all committed").isEmpty();
            assertThat(backgroundAcks.get()).isPositive();
            assertThat(ledger.haltReason()).isNull();
            long refused = catalogue.stream().filter(i -> !i.expect().startsWith("ok")).count();
            API_BAD.addAndGet(2L * catalogue.size());
            VALID_ALONGSIDE.addAndGet(backgroundAcks.get());
            Reliability.line("Bad input through the Java API (amounts, unknown ids, overdraft, settling twice, dice, ids with"
                            + " NUL/control/lone surrogates, SQL text, duplicate keys, malformed groups)", 2L * catalogue.size(),
                    "each refused with its own code (" + refused + " kinds) or answered with a receipt (SQL text stored"
                            + " byte-exact, same-key resubmission gets the original receipt); seq unchanged by every refusal;"
                            + " the second round ran beside " + backgroundAcks.get() + " valid commands, all committed",
                    "0 events written for rejected input; audit intact");
            System.out.printf("BadInputCatalogueIT API: %d catalogue items x 2 rounds (%d refused with a code, %d answered"
                            + " with a receipt: SQL as data, duplicate keys), %d valid commands committed alongside round 2%n",
                    catalogue.size(), refused, catalogue.size() - refused, backgroundAcks.get());
        }

        // the file: the setup, the accepted catalogue items, the valid commands, and not one event more
        List<LedgerEvent> events = LedgerFile.events(db);
        assertThat(events).hasSize((int) (setupEvents + acceptedSeqs.size() + backgroundAcks.get()));
        assertThat(events).filteredOn(e -> e.command() instanceof Deposit d && d.reference().equals(SQL))
                .as("SQL text in a reference is stored as plain data, byte for byte").hasSize(2);
        assertThat(events).filteredOn(e -> SQL_KEY.equals(e.key())).as("a key that looks like SQL is just a key").hasSize(1);
        try (Connection conn = LedgerDatabase.openReadOnly(db); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the events table is still there").isEqualTo(1);
        }
        LedgerFile.assertIntact(db);
    }

    private static void check(Item item, Object result, Receipt dupOriginal) {
        switch (item.expect()) {
            case OK, KEY_ONCE -> assertThat(result).as(item.name()).isInstanceOf(Receipt.class);
            case SAME -> assertThat(result).as(item.name()).isEqualTo(dupOriginal);
            default -> {
                assertThat(result).as(item.name()).isInstanceOf(Rejected.class);
                Rejected r = (Rejected) result;
                assertThat(r.code()).as("%s: %s", item.name(), r.getMessage()).isEqualTo(item.expect());
                assertThat(r.getMessage()).as(item.name()).isNotBlank();
            }
        }
    }

    private static List<Item> apiCatalogue(Ledger l, Receipt dupOriginal) {
        String tooLong = "x".repeat(Limits.ID_LENGTH_MAX + 1);
        List<Item> c = new ArrayList<>();
        // amounts
        c.add(new Item("a zero deposit", () -> l.submit(new Deposit("alice", 0, "r")), "INVALID_AMOUNT"));
        c.add(new Item("a negative deposit", () -> l.submit(new Deposit("alice", -1, "r")), "INVALID_AMOUNT"));
        c.add(new Item("a deposit of Long.MAX_VALUE", () -> l.submit(new Deposit("alice", Long.MAX_VALUE, "r")), "INVALID_AMOUNT"));
        c.add(new Item("a withdrawal of Long.MIN_VALUE", () -> l.submit(new Withdraw("alice", Long.MIN_VALUE, "r")), "INVALID_AMOUNT"));
        c.add(new Item("a stake one past the largest amount",
                () -> l.submit(new PlaceBet("g1", "b9", "alice", BetType.FIELD, null, Limits.AMOUNT_MAX + 1)), "INVALID_AMOUNT"));
        c.add(new Item("a zero house funding", () -> l.submit(new FundHouse(0, "r")), "INVALID_AMOUNT"));
        c.add(new Item("winnings of Long.MAX_VALUE", () -> l.submit(new SettleBet("g1", "b2", Outcome.WIN, Long.MAX_VALUE)),
                "INVALID_AMOUNT"));
        c.add(new Item("negative winnings", () -> l.submit(new SettleBet("g1", "b2", Outcome.WIN, -5)), "INVALID_AMOUNT"));
        c.add(new Item("winnings on a losing bet", () -> l.submit(new SettleBet("g1", "b2", Outcome.LOSE, 5)), "INVALID_SETTLEMENT"));
        c.add(new Item("a deposit that would push a balance past the limit (sum overflow)",
                () -> l.submit(new Deposit("whale", Limits.AMOUNT_MAX, "r")), "LIMIT_EXCEEDED"));
        c.add(new Item("an atomic group whose second command would overflow a balance",
                () -> l.submitAtomically(List.of(new Withdraw("whale", 1, "r"), new Deposit("whale", Limits.AMOUNT_MAX, "r"))),
                "LIMIT_EXCEEDED"));
        // unknown things
        c.add(new Item("a withdrawal by an unknown player", () -> l.submit(new Withdraw("nobody", 1, "r")), "UNKNOWN_ACCOUNT"));
        c.add(new Item("a bet by an unknown player", () -> l.submit(new PlaceBet("g1", "b9", "nobody", BetType.FIELD, null, 5)),
                "UNKNOWN_ACCOUNT"));
        c.add(new Item("a roll in an unknown game", () -> l.submit(new RecordRoll("g9", 1, 2)), "UNKNOWN_GAME"));
        c.add(new Item("a settlement in an unknown game", () -> l.submit(new SettleBet("g9", "b2", Outcome.LOSE, 0)), "UNKNOWN_GAME"));
        c.add(new Item("closing an unknown game", () -> l.submit(new CloseGame("g9")), "UNKNOWN_GAME"));
        c.add(new Item("settling an unknown bet", () -> l.submit(new SettleBet("g1", "b9", Outcome.LOSE, 0)), "UNKNOWN_BET"));
        c.add(new Item("settling a bet as a bet of another game", () -> l.submit(new SettleBet("g2", "b2", Outcome.LOSE, 0)),
                "UNKNOWN_BET"));
        // overdraft
        c.add(new Item("an overdraft withdrawal", () -> l.submit(new Withdraw("alice", 1_000_000, "r")), "INSUFFICIENT_FUNDS"));
        c.add(new Item("a stake larger than the balance", () -> l.submit(new PlaceBet("g1", "b9", "alice", BetType.FIELD, null, 5_000)),
                "INSUFFICIENT_FUNDS"));
        // the table's rules (the house's funds are RejectionsIT's: no stake this table takes wins a million)
        c.add(new Item("a win before any roll decided the bet", () -> l.submit(new SettleBet("g1", "b2", Outcome.WIN, 50)),
                "EARLY_SETTLEMENT"));
        c.add(new Item("odds while the puck is off", () -> l.submit(new PlaceBet("g1", "b9", "alice", BetType.PASS_ODDS, null, 10)),
                "BET_NOT_ALLOWED"));
        c.add(new Item("a stake below the table minimum", () -> l.submit(new PlaceBet("g1", "b9", "alice", BetType.FIELD, null, 4)),
                "BET_NOT_ALLOWED"));
        c.add(new Item("a stake above the table maximum", () -> l.submit(new PlaceBet("g1", "b9", "alice", BetType.FIELD, null, 5_001)),
                "BET_NOT_ALLOWED"));
        // settling twice, and other state rules
        c.add(new Item("settling a bet twice", () -> l.submit(new SettleBet("g1", "b1", Outcome.WIN, 10)), "BET_NOT_OPEN"));
        c.add(new Item("reopening a game", () -> l.submit(new OpenGame("g1", "t1")), "GAME_EXISTS"));
        c.add(new Item("reusing a bet id", () -> l.submit(new PlaceBet("g1", "b2", "alice", BetType.FIELD, null, 1)), "DUPLICATE_BET"));
        c.add(new Item("closing a game with an open bet", () -> l.submit(new CloseGame("g1")), "GAME_HAS_OPEN_BETS"));
        // dice
        c.add(new Item("a die of 0", () -> l.submit(new RecordRoll("g1", 0, 3)), "INVALID_DICE"));
        c.add(new Item("a die of 7", () -> l.submit(new RecordRoll("g1", 3, 7)), "INVALID_DICE"));
        c.add(new Item("dice of -1 and Integer.MAX_VALUE", () -> l.submit(new RecordRoll("g1", -1, Integer.MAX_VALUE)), "INVALID_DICE"));
        // ids
        c.add(new Item("a player id one character too long", () -> l.submit(new Deposit(tooLong, 1, "r")), "INVALID_ID"));
        c.add(new Item("an empty player id", () -> l.submit(new Deposit("", 1, "r")), "INVALID_ID"));
        c.add(new Item("a null player id", () -> l.submit(new Deposit(null, 1, "r")), "INVALID_ID"));
        c.add(new Item("a game id with NUL", () -> l.submit(new RecordRoll("g\u00001", 1, 2)), "INVALID_ID"));
        c.add(new Item("a bet id with a BEL control character", () -> l.submit(new PlaceBet("g1", "b\u0007", "alice", BetType.FIELD, null, 1)),
                "INVALID_ID"));
        c.add(new Item("a player id with a newline", () -> l.submit(new Deposit("ali\nce", 1, "r")), "INVALID_ID"));
        c.add(new Item("a player id with DEL", () -> l.submit(new Deposit("ali\u007fce", 1, "r")), "INVALID_ID"));
        c.add(new Item("a player id with an unpaired high surrogate", () -> l.submit(new Deposit("al\uD800ice", 1, "r")), "INVALID_ID"));
        c.add(new Item("a player id with an unpaired low surrogate", () -> l.submit(new Deposit("\uDC00alice", 1, "r")), "INVALID_ID"));
        c.add(new Item("a player id with an emoji (a valid surrogate pair)", () -> l.submit(new Deposit("\uD83C\uDFB2", 1, "r")),
                "INVALID_ID"));
        c.add(new Item("a table id of SQL text", () -> l.submit(new OpenGame("g7", SQL)), "INVALID_ID"));
        c.add(new Item("a player id of SQL text", () -> l.submit(new Deposit(SQL, 1, "r")), "INVALID_ID"));
        c.add(new Item("a reference with NUL", () -> l.submit(new Deposit("alice", 1, "r\u0000")), "INVALID_ID"));
        c.add(new Item("a reference with an unpaired surrogate", () -> l.submit(new Deposit("alice", 1, "r\uD800")), "INVALID_ID"));
        c.add(new Item("a reference one character too long", () -> l.submit(new Deposit("alice", 1, tooLong)), "INVALID_ID"));
        c.add(new Item("a 10 MB reference", () -> l.submit(new Deposit("alice", 1, "x".repeat(10 << 20))), "INVALID_ID"));
        c.add(new Item("an empty reference", () -> l.submit(new Deposit("alice", 1, "")), "INVALID_ID"));
        // idempotency keys
        c.add(new Item("a key of SQL text with spaces", () -> l.submit(new Deposit("alice", 1, "r"), SQL), "INVALID_ID"));
        c.add(new Item("a key one character too long", () -> l.submit(new Deposit("alice", 1, "r"), tooLong), "INVALID_ID"));
        c.add(new Item("an empty key", () -> l.submit(new Deposit("alice", 1, "r"), ""), "INVALID_ID"));
        c.add(new Item("a key with NUL", () -> l.submit(new Deposit("alice", 1, "r"), "k\u0000"), "INVALID_ID"));
        c.add(new Item("a key with an unpaired surrogate", () -> l.submit(new Deposit("alice", 1, "r"), "k\uD800"), "INVALID_ID"));
        c.add(new Item("a duplicate key with the same body", () -> l.submit(new Deposit("alice", 10, "keyed"), "dup-key"), SAME));
        c.add(new Item("a duplicate key with another body", () -> l.submit(new Deposit("alice", 11, "keyed"), "dup-key"),
                "IDEMPOTENCY_CONFLICT"));
        c.add(new Item("a duplicate key on an atomic group with the original as its first command",
                () -> l.submitAtomically(List.of(new Deposit("alice", 10, "keyed"), new Deposit("alice", 1, "r")), "dup-key"),
                "IDEMPOTENCY_CONFLICT"));
        // malformed submissions
        List<Command> withNull = new ArrayList<>();
        withNull.add(null);
        c.add(new Item("a null command", () -> l.submitAtomically(withNull), "INVALID_COMMAND"));
        c.add(new Item("an empty atomic group", () -> l.submitAtomically(List.of()), "INVALID_COMMAND"));
        List<Command> huge = new ArrayList<>();
        for (int i = 0; i <= Limits.ATOMIC_COMMANDS_MAX; i++) {
            huge.add(new Deposit("alice", 1, "r" + i));
        }
        c.add(new Item("an atomic group one command too large", () -> l.submitAtomically(huge), "LIMIT_EXCEEDED"));
        c.add(new Item("an atomic group whose third command is refused",
                () -> l.submitAtomically(List.of(new Deposit("alice", 1, "r"), new Deposit("alice", 1, "r"), new Withdraw("nobody", 1, "r"))),
                "UNKNOWN_ACCOUNT"));
        c.add(new Item("a bet without a bet type", () -> l.submit(new PlaceBet("g1", "b9", "alice", null, null, 1)), "INVALID_BET"));
        c.add(new Item("a pass-line bet with a point", () -> l.submit(new PlaceBet("g1", "b9", "alice", BetType.PASS_LINE, 6, 1)),
                "INVALID_BET"));
        c.add(new Item("a settlement without an outcome", () -> l.submit(new SettleBet("g1", "b2", null, 0)), "INVALID_SETTLEMENT"));
        c.add(new Item("table rules with a non-ASCII character", () -> l.submit(new OpenGame("g8", "t1", "min=5;max=5\u00e9")),
                "INVALID_COMMAND"));
        c.add(new Item("table rules that do not parse", () -> l.submit(new OpenGame("g8", "t1", "this=is;not=rules")),
                "INVALID_COMMAND"));
        // accepted: SQL text as plain data
        c.add(new Item("SQL text in a reference (accepted as data)", () -> l.submit(new Deposit("alice", 1, SQL)), OK));
        c.add(new Item("a key that looks like SQL (accepted once, then the original receipt)",
                () -> l.submit(new Deposit("alice", 2, "sql-key"), SQL_KEY), KEY_ONCE));
        return c;
    }

    private static Receipt ok(CompletableFuture<Receipt> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("expected a receipt, got " + e, e);
        }
    }

    // =====================================================================================
    // 2. ingest, in a child JVM
    // =====================================================================================

    /** What one input line must produce. */
    private record Expect(String status, String code, String messagePart, Integer sameSeqAsLine) {
        static Expect ok() {
            return new Expect("ok", null, null, null);
        }

        static Expect sameAs(int line) {
            return new Expect("ok", null, null, line);
        }

        static Expect rejected(String code) {
            return new Expect("rejected", code, null, null);
        }

        static Expect invalid(String messagePart) {
            return new Expect("invalid", null, messagePart, null);
        }
    }

    /** Builds an input file: each bad line is followed by a valid one, whose ok receipt proves the writer kept going. */
    private static final class Script {
        final List<String> lines = new ArrayList<>();
        final List<Expect> expects = new ArrayList<>();
        int bad;
        int interleaved;

        /** Adds a line; returns its 1-based line number. */
        int add(String line, Expect expect) {
            lines.add(line);
            expects.add(expect);
            return lines.size();
        }

        void bad(String line, Expect expect) {
            add(line, expect);
            bad++;
            interleaved++;
            add(deposit("inter" + (interleaved % 5), 1, "between-" + interleaved), Expect.ok());
        }
    }

    private static String deposit(String player, long amount, String reference) {
        return "{\"type\":\"deposit\",\"player\":\"" + player + "\",\"amount\":" + amount + ",\"reference\":\"" + reference + "\"}";
    }

    /** A JSON string literal of arbitrary Java text, escaped as JSON requires (so "\ud800" goes in as an escape). */
    private static String js(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String depositRaw(String playerJson, String amountJson, String referenceJson) {
        return "{\"type\":\"deposit\",\"player\":" + playerJson + ",\"amount\":" + amountJson + ",\"reference\":" + referenceJson + "}";
    }

    @Test
    void everyBadLineThroughIngestGetsItsOwnReceiptWhileTheValidLinesBetweenThemCommitInA64MiBHeap() throws Exception {
        Script s = new Script();
        // the table in play
        s.add("{\"type\":\"fund_house\",\"amount\":1000000,\"reference\":\"bankroll\"}", Expect.ok());
        s.add(deposit("alice", 1000, "cash"), Expect.ok());
        s.add("{\"type\":\"open_game\",\"game\":\"g1\",\"table\":\"t1\"}", Expect.ok());
        s.add("{\"type\":\"place_bet\",\"game\":\"g1\",\"bet\":\"b1\",\"player\":\"alice\",\"bet_type\":\"PASS_LINE\",\"amount\":100}", Expect.ok());
        // craps on the come-out: the pass line loses, settled with the roll by the ledger, as the rulebook says
        s.add("{\"type\":\"roll\",\"game\":\"g1\",\"die1\":1,\"die2\":1,\"settle\":\"auto\"}", Expect.ok());
        s.add("{\"type\":\"place_bet\",\"game\":\"g1\",\"bet\":\"b2\",\"player\":\"alice\",\"bet_type\":\"FIELD\",\"amount\":50}", Expect.ok());
        String keyed = "{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":10,\"reference\":\"keyed\",\"key\":\"dup-1\"}";
        int keyedLine = s.add(keyed, Expect.ok());
        for (long held = 0; held < Limits.BALANCE_MAX; held += Limits.AMOUNT_MAX) {
            s.add(deposit("whale", Limits.AMOUNT_MAX, "whale"), Expect.ok());
        }
        String tooLong = "x".repeat(Limits.ID_LENGTH_MAX + 1);

        // amounts
        s.bad(deposit("alice", 0, "r"), Expect.rejected("INVALID_AMOUNT"));
        s.bad(deposit("alice", -5, "r"), Expect.rejected("INVALID_AMOUNT"));
        s.bad(depositRaw("\"alice\"", Long.toString(Long.MAX_VALUE), "\"r\""), Expect.rejected("INVALID_AMOUNT"));
        s.bad(depositRaw("\"alice\"", "9223372036854775808", "\"r\""), Expect.rejected("INVALID_AMOUNT"));
        s.bad(depositRaw("\"alice\"", "-9223372036854775809", "\"r\""), Expect.rejected("INVALID_AMOUNT"));
        s.bad(depositRaw("\"alice\"", "9".repeat(40), "\"r\""), Expect.rejected("INVALID_AMOUNT"));
        s.bad(depositRaw("\"alice\"", "9".repeat(41), "\"r\""), Expect.invalid("Number value length"));
        s.bad(depositRaw("\"alice\"", "1.5", "\"r\""), Expect.invalid("whole number"));
        s.bad(depositRaw("\"alice\"", "1e3", "\"r\""), Expect.invalid("whole number"));
        s.bad(depositRaw("\"alice\"", "\"100\"", "\"r\""), Expect.invalid("whole number"));
        s.bad(depositRaw("\"alice\"", "NaN", "\"r\""), Expect.invalid("not valid JSON"));
        s.bad("{\"type\":\"settle\",\"game\":\"g1\",\"bet\":\"b2\",\"outcome\":\"WIN\",\"winnings\":" + Long.MAX_VALUE + "}",
                Expect.rejected("INVALID_AMOUNT"));
        s.bad(deposit("whale", Limits.AMOUNT_MAX, "r"), Expect.rejected("LIMIT_EXCEEDED"));
        s.bad("{\"type\":\"atomic\",\"commands\":[{\"type\":\"withdraw\",\"player\":\"whale\",\"amount\":1,\"reference\":\"r\"},"
                + deposit("whale", Limits.AMOUNT_MAX, "r") + "]}", Expect.rejected("LIMIT_EXCEEDED"));
        // unknown things, overdraft, settling twice
        s.bad("{\"type\":\"withdraw\",\"player\":\"nobody\",\"amount\":1,\"reference\":\"r\"}", Expect.rejected("UNKNOWN_ACCOUNT"));
        s.bad("{\"type\":\"roll\",\"game\":\"g9\",\"die1\":1,\"die2\":2}", Expect.rejected("UNKNOWN_GAME"));
        s.bad("{\"type\":\"settle\",\"game\":\"g1\",\"bet\":\"b9\",\"outcome\":\"LOSE\"}", Expect.rejected("UNKNOWN_BET"));
        s.bad("{\"type\":\"withdraw\",\"player\":\"alice\",\"amount\":1000000,\"reference\":\"r\"}", Expect.rejected("INSUFFICIENT_FUNDS"));
        s.bad("{\"type\":\"settle\",\"game\":\"g1\",\"bet\":\"b1\",\"outcome\":\"LOSE\"}", Expect.rejected("BET_NOT_OPEN"));
        // dice
        s.bad("{\"type\":\"roll\",\"game\":\"g1\",\"die1\":0,\"die2\":3}", Expect.rejected("INVALID_DICE"));
        s.bad("{\"type\":\"roll\",\"game\":\"g1\",\"die1\":3,\"die2\":7}", Expect.rejected("INVALID_DICE"));
        s.bad("{\"type\":\"roll\",\"game\":\"g1\",\"die1\":4294967296,\"die2\":3}", Expect.invalid("far out of range"));
        s.bad("{\"type\":\"roll\",\"game\":\"g1\",\"die1\":1,\"die2\":3,\"settle\":\"yes\"}",
                Expect.invalid("\"settle\" must be \"auto\""));
        // the table's rules: a field bet (b2) is open; a 7 decides it, so a roll alone is refused, and so is a win by hand
        s.bad("{\"type\":\"roll\",\"game\":\"g1\",\"die1\":3,\"die2\":4}", Expect.rejected("MISSING_SETTLEMENT"));
        s.bad("{\"type\":\"settle\",\"game\":\"g1\",\"bet\":\"b2\",\"outcome\":\"WIN\",\"winnings\":50}",
                Expect.rejected("EARLY_SETTLEMENT"));
        // ids
        s.bad(depositRaw(js(tooLong), "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("\"\"", "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw(js("al\u0000ice"), "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw(js("al\u0007ice"), "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("\"al\u0007ice\"", "1", "\"r\""), Expect.invalid("not valid JSON")); // a raw control byte
        s.bad(depositRaw("\"al\\ud800ice\"", "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("\"\\udc00alice\"", "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("\"\\ud83c\\udfb2\"", "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("\"alice\"", "1", "\"r\\ud800\""), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("\"alice\"", "1", js("r\u0000")), Expect.rejected("INVALID_ID"));
        s.bad(depositRaw(js(SQL), "1", "\"r\""), Expect.rejected("INVALID_ID"));
        s.bad("{\"type\":\"open_game\",\"game\":\"g7\",\"table\":" + js(SQL) + "}", Expect.rejected("INVALID_ID"));
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":1,\"reference\":\"r\",\"key\":" + js(SQL) + "}",
                Expect.rejected("INVALID_ID"));
        s.bad(depositRaw("null", "1", "\"r\""), Expect.invalid("missing field \"player\""));
        s.bad(depositRaw("123", "1", "\"r\""), Expect.invalid("must be a string"));
        // idempotency keys
        s.bad(keyed, Expect.sameAs(keyedLine));
        s.bad("{\"key\":\"dup-1\",\"reference\":\"keyed\",\"amount\":10,\"player\":\"alice\",\"type\":\"deposit\"}",
                Expect.sameAs(keyedLine)); // the same body with its fields in another order
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":11,\"reference\":\"keyed\",\"key\":\"dup-1\"}",
                Expect.rejected("IDEMPOTENCY_CONFLICT"));
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":1,\"reference\":\"r\",\"key\":" + js("k\u0000") + "}",
                Expect.rejected("INVALID_ID"));
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":1,\"reference\":\"r\",\"key\":" + js(tooLong) + "}",
                Expect.rejected("INVALID_ID"));
        // JSON itself
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"player\":\"mallory\",\"amount\":5,\"reference\":\"r\"}",
                Expect.invalid("Duplicate"));
        s.bad("{\"type\":\"deposit\",\"type\":\"withdraw\",\"player\":\"alice\",\"amount\":5,\"reference\":\"r\"}",
                Expect.invalid("Duplicate"));
        s.bad("[".repeat(20_000) + "]".repeat(20_000), Expect.invalid("nesting depth"));
        s.bad(depositRaw("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "1", "\"r\""), Expect.invalid("nesting depth"));
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":5,\"reference\":\"r\"", Expect.invalid("not valid JSON"));
        s.bad(deposit("alice", 5, "r") + " trailing", Expect.invalid("not valid JSON"));
        s.bad(deposit("alice", 5, "r") + deposit("alice", 5, "r"), Expect.invalid("not valid JSON"));
        s.bad("[1,2,3]", Expect.invalid("must be a JSON object"));
        s.bad("42", Expect.invalid("must be a JSON object"));
        s.bad("null", Expect.invalid(""));
        s.bad("", Expect.invalid(""));
        s.bad("   \t ", Expect.invalid(""));
        s.bad("\ufeff" + deposit("alice", 5, "r"), Expect.invalid("not valid JSON"));
        s.bad("{\"type\":\"mint\",\"amount\":5}", Expect.invalid("unknown command type"));
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":5,\"reference\":\"r\",\"ts\":0}", Expect.invalid("unknown field \"ts\""));
        s.bad("{\"type\":\"atomic\",\"commands\":[{\"type\":\"atomic\",\"commands\":[]}]}", Expect.invalid("do not nest"));
        s.bad("{\"type\":\"atomic\",\"commands\":[]}", Expect.invalid("non-empty"));
        StringBuilder huge = new StringBuilder("{\"type\":\"atomic\",\"commands\":[");
        for (int i = 0; i <= Limits.ATOMIC_COMMANDS_MAX; i++) {
            huge.append(i == 0 ? "" : ",").append(deposit("alice", 1, "r"));
        }
        s.bad(huge.append("]}").toString(), Expect.rejected("LIMIT_EXCEEDED"));
        // accepted: SQL text as plain data
        s.bad(depositRaw("\"alice\"", "1", js(SQL)), Expect.ok());
        // a 10 MB line
        int hugeLineChars = 10 << 20;
        s.bad("{\"type\":\"deposit\",\"player\":\"alice\",\"amount\":5,\"reference\":\"" + "x".repeat(hugeLineChars) + "\"}",
                Expect.invalid("longer than " + (64 * 1024)));
        s.add(deposit("alice", 1, "last"), Expect.ok());

        Path input = dir.resolve("mixed.jsonl");
        try (OutputStream out = Files.newOutputStream(input)) {
            for (String line : s.lines) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        }
        Path db = dir.resolve("ingest.db");
        ProcessBuilder pb = ChildJvm.ledger(dir, "ingest", "--db", db.toString(), "--input", input.toString());
        List<String> cmd = pb.command();
        cmd.replaceAll(a -> a.startsWith("-Xmx") ? "-Xmx64m" : a);
        assertThat(cmd).contains("-Xmx64m");
        Path outFile = dir.resolve("ingest.out");
        Path errFile = dir.resolve("ingest.err");
        long start = System.nanoTime();
        Process p = pb.redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        p.getOutputStream().close();
        long peakRssKb = 0;
        while (!p.waitFor(20, TimeUnit.MILLISECONDS)) {
            peakRssKb = Math.max(peakRssKb, vmHwmKb(p.pid()));
            if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(120)) {
                p.destroyForcibly();
                throw new AssertionError("ingest did not finish within 120 s");
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String stderr = Files.readString(errFile);
        assertThat(p.exitValue()).as(stderr).isZero();
        assertThat(stderr).as("no stack trace").doesNotContain("\tat ").doesNotContain("OutOfMemoryError");

        List<JsonNode> receipts = Files.readAllLines(outFile).stream().map(JSON::readTree).toList();
        assertThat(receipts).as("one receipt per line").hasSize(s.lines.size());
        Set<Long> committed = new HashSet<>();
        for (int i = 0; i < receipts.size(); i++) {
            JsonNode r = receipts.get(i);
            Expect e = s.expects.get(i);
            String what = "line " + (i + 1) + " " + abbreviate(s.lines.get(i)) + " -> " + r;
            assertThat(r.get("line").longValue()).as(what).isEqualTo(i + 1);
            assertThat(r.get("status").stringValue()).as(what).isEqualTo(e.status());
            if (e.code() != null) {
                assertThat(r.get("code").stringValue()).as(what).isEqualTo(e.code());
            }
            if (e.messagePart() != null) {
                assertThat(r.get("message").stringValue()).as(what).contains(e.messagePart());
            }
            if (e.status().equals("ok")) {
                long seq = r.has("seq") ? r.get("seq").longValue() : r.get("seqs").get(0).longValue();
                if (e.sameSeqAsLine() != null) {
                    assertThat(seq).as(what).isEqualTo(receipts.get(e.sameSeqAsLine() - 1).get("seq").longValue());
                } else if (r.has("seqs")) {
                    for (JsonNode each : r.get("seqs")) { // a group, or a roll the ledger settled: every event it wrote
                        assertThat(committed.add(each.longValue())).as("%s: a new seq", what).isTrue();
                    }
                } else {
                    assertThat(committed.add(seq)).as("%s: a new seq", what).isTrue();
                }
            }
        }
        // the file holds exactly the committed lines: rejected and invalid lines wrote nothing
        List<LedgerEvent> events = LedgerFile.events(db);
        assertThat(events).hasSize(committed.size());
        assertThat(events).filteredOn(ev -> ev.command() instanceof Deposit d && d.reference().equals(SQL)).hasSize(1);
        LedgerFile.assertIntact(db);
        CLI_BAD.addAndGet(s.bad);
        VALID_ALONGSIDE.addAndGet(s.interleaved);
        Reliability.line("Bad input through tools/ledger ingest (child JVM, -Xmx64m; the API catalogue as JSON lines, plus"
                        + " out-of-range numbers, a 10 MB line, 20,000-deep nesting, duplicate JSON fields, BOM, junk)", s.bad,
                "one receipt per line with the expected status and code; each bad line followed by a valid one that"
                        + " committed; exit 0, no stack trace; the file holds exactly the " + committed.size() + " ok lines",
                "0 events written for rejected input; audit intact");
        System.out.printf("BadInputCatalogueIT ingest: %d lines (%d bad, each followed by a valid line), %d events committed,"
                        + " child -Xmx64m peak RSS %d MiB, %d ms, exit 0%n", s.lines.size(), s.bad, committed.size(),
                peakRssKb >> 10, millis);
    }

    private static long vmHwmKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended or /proc is not there: no figure
        }
        return 0;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 100) + "…(" + s.length() + " chars)";
    }

    /** Bytes that are not UTF-8, inside an otherwise valid line: 0xC3 0x28 is a broken two-byte sequence. */
    private static byte[] linesWithBrokenUtf8() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((deposit("alice", 5, "before") + "\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes("{\"type\":\"deposit\",\"player\":\"bob\",\"amount\":5,\"reference\":\"r".getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[]{(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
        b.writeBytes("x\"}\n".getBytes(StandardCharsets.UTF_8));
        b.writeBytes((deposit("alice", 5, "after") + "\n").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    @Test
    void bytesThatAreNotUtf8OnStdinAreRefusedAsOneBadLineAndTheLinesAroundThemCommit() throws Exception {
        Path input = dir.resolve("broken-utf8.jsonl");
        Files.write(input, linesWithBrokenUtf8());
        Path db = dir.resolve("stdin.db");
        ProcessBuilder pb = ChildJvm.ledger(dir, "ingest", "--db", db.toString());
        Process p = pb.redirectInput(input.toFile()).redirectOutput(dir.resolve("stdin.out").toFile())
                .redirectError(dir.resolve("stdin.err").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("stdin.err"))).isZero();
        List<JsonNode> receipts = Files.readAllLines(dir.resolve("stdin.out")).stream().map(JSON::readTree).toList();
        assertThat(receipts).hasSize(3);
        assertThat(receipts.get(0).get("status").stringValue()).isEqualTo("ok");
        assertThat(receipts.get(1).get("code").stringValue()).isEqualTo("INVALID_ID"); // decoded as U+FFFD, refused
        assertThat(receipts.get(2).get("status").stringValue()).isEqualTo("ok");
        assertThat(LedgerFile.maxSeq(db)).isEqualTo(2);
        CLI_BAD.incrementAndGet();
    }

    @Test
    void bytesThatAreNotUtf8InAnInputFileAreRefusedAsOneBadLineAndTheLinesAroundThemCommit() throws Exception {
        Path input = dir.resolve("broken-utf8.jsonl");
        Files.write(input, linesWithBrokenUtf8());
        Path db = dir.resolve("file.db");
        ChildJvm.Result run = ChildJvm.run(dir, "ingest", "--db", db.toString(), "--input", input.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<JsonNode> receipts = run.stdout().lines().map(JSON::readTree).toList();
        assertThat(receipts).hasSize(3);
        assertThat(receipts.get(0).get("status").stringValue()).isEqualTo("ok");
        assertThat(receipts.get(1).get("code").stringValue()).isEqualTo("INVALID_ID"); // decoded as U+FFFD, refused
        assertThat(receipts.get(2).get("status").stringValue()).isEqualTo("ok");
        assertThat(LedgerFile.maxSeq(db)).isEqualTo(2);
        CLI_BAD.incrementAndGet();
        Reliability.line("Bad input: bytes that are not UTF-8, through ingest on stdin and from --input", 2,
                "the line gets INVALID_ID, the valid lines around it commit, 2 events", "0 events written for the bad line");
    }

    // =====================================================================================
    // 3. damaged Smile: the codec, the journal archive being replayed, an export
    // =====================================================================================

    /** A small ledger with one event of every type, an archive, and a backup taken halfway. */
    private record Archived(Path db, Path archive, Path backups, String backupName, long backupSeq, long headSeq) {}

    private Archived archivedLedger() throws Exception {
        Path db = dir.resolve("archived.db");
        Path archive = dir.resolve("archive");
        Path backups = dir.resolve("backups");
        String backupName;
        long backupSeq;
        try (Ledger l = Ledger.open(config(db).archiveDir(archive).backupDir(backups).build())) {
            ok(l.submit(new FundHouse(1_000_000, "bankroll")));
            ok(l.submit(new Deposit("alice", 5_000, "cash")));
            ok(l.submit(new OpenGame("g1", "t1")));
            for (int i = 0; i < 6; i++) {
                ok(l.submit(new Deposit("p" + i, 100 + i, "cash-" + i), "k-" + i));
            }
            BackupResult b = l.backup();
            backupName = b.file().getFileName().toString();
            backupSeq = b.seq();
            ok(l.submit(new PlaceBet("g1", "b1", "alice", BetType.PASS_LINE, null, 100)));
            ok(l.submitAtomically(List.of(new RecordRoll("g1", 3, 4), new SettleBet("g1", "b1", Outcome.WIN, 100))));
            for (int i = 0; i < 8; i++) {
                ok(l.submitAtomically(List.of(new Deposit("q" + i, 10, "a"), new Deposit("q" + i, 20, "b"),
                        new Withdraw("q" + i, 5, "c"))));
            }
            ok(l.submit(new io.bitcraps.ledger.domain.Command.SetLimits("alice", 500L, null, null, 200L, 100L)));
            ok(l.submit(new io.bitcraps.ledger.domain.Command.StartEpoch(1, "a promotion, for its payload")));
            ok(l.submit(new io.bitcraps.ledger.domain.Command.SelfExclude("q0", io.bitcraps.ledger.domain.Exclusion.COOL_OFF,
                    24)));
            ok(l.submit(new CloseGame("g1")));
        }
        return new Archived(db, archive, backups, backupName, backupSeq, LedgerFile.maxSeq(db));
    }

    private Path copyOf(Path archive, String name) throws IOException {
        Path copy = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> files = Files.list(archive)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static Path onlySegment(Path archive) throws IOException {
        try (Stream<Path> files = Files.list(archive)) {
            List<Path> segs = files.filter(p -> p.getFileName().toString().endsWith(".seg")).toList();
            assertThat(segs).hasSize(1);
            return segs.get(0);
        }
    }

    /** Offsets just past each batch-end record of a segment, with the batch's last seq. */
    private static List<long[]> batchEnds(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        List<long[]> out = new ArrayList<>();
        int at = 0;
        while (true) {
            JournalRecord.Read r = JournalRecord.read(bytes, at, bytes.length);
            if (r instanceof JournalRecord.Event e) {
                at += e.bytes();
            } else if (r instanceof JournalRecord.BatchEnd b) {
                at += b.bytes();
                out.add(new long[]{at, b.lastSeq()});
            } else {
                return out;
            }
        }
    }

    private Restore.Result restore(Archived a, Path archive, String target, long untilSeq) throws BackupFailure {
        return Restore.restore(a.backups(), a.backupName(), dir.resolve(target), false, null, untilSeq, Long.MAX_VALUE, archive);
    }

    @Test
    void thePayloadCodecRefusesRandomAndTruncatedSmileWithPayloadExceptionOnly() throws Exception {
        Archived a = archivedLedger();
        PayloadCodec codec = new PayloadCodec();
        List<EventRow> rows = new ArrayList<>();
        try (Connection conn = LedgerDatabase.openReadOnly(a.db())) {
            EventReader.forEach(conn, 1, Long.MAX_VALUE, rows::add);
        }
        Set<EventType> types = new HashSet<>();
        rows.forEach(r -> types.add(EventType.ofCode(r.typeCode())));
        assertThat(types).as("one payload of every type").containsExactlyInAnyOrder(EventType.values());

        long tried = 0;
        // every proper prefix of every real payload
        for (EventRow row : rows) {
            EventType type = EventType.ofCode(row.typeCode());
            for (int cut = 0; cut < row.payload().length; cut++) {
                byte[] prefix = java.util.Arrays.copyOf(row.payload(), cut);
                assertThatThrownBy(() -> codec.decode(type, prefix)).as("%s cut at %d", type, cut).isInstanceOf(PayloadException.class);
                tried++;
            }
        }
        // random bytes, half of them starting like a Smile object
        int fuzz = Integer.getInteger("badinput.fuzz", 4_000);
        System.out.println("BadInputCatalogueIT random Smile: seed " + SEED + " (replay: -Dbadinput.seed=" + SEED + ")");
        Random rnd = new Random(SEED);
        EventType[] all = EventType.values();
        for (int i = 0; i < fuzz; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(200)];
            rnd.nextBytes(junk);
            if (i % 2 == 0) {
                junk[0] = (byte) 0xFA;
            }
            EventType type = all[rnd.nextInt(all.length)];
            int n = i;
            assertThatThrownBy(() -> codec.decode(type, junk)).as("random input %d", n).isInstanceOf(PayloadException.class);
            tried++;
        }
        // a real payload with random bytes spliced onto its end
        for (EventRow row : rows) {
            byte[] longer = java.util.Arrays.copyOf(row.payload(), row.payload().length + 3);
            longer[longer.length - 1] = (byte) rnd.nextInt();
            assertThatThrownBy(() -> codec.decode(EventType.ofCode(row.typeCode()), longer)).isInstanceOf(PayloadException.class);
            tried++;
        }
        CODEC_BAD.addAndGet(tried);
        Reliability.line("Bad input: truncated, random and extended Smile payloads (every event type)", tried,
                "the codec refuses each with PayloadException, nothing else thrown", "0 decoded as an event; seed " + SEED);
        System.out.printf("BadInputCatalogueIT codec: %d truncated, random or extended payloads, every one refused with"
                + " PayloadException%n", tried);
    }

    @Test
    void aTruncatedOrGarbledArchiveSegmentEndsTheReplayCleanlyAtTheLastWholeBatch() throws Exception {
        Archived a = archivedLedger();
        List<long[]> ends = batchEnds(onlySegment(a.archive()));
        assertThat(ends.get(ends.size() - 1)[1]).isEqualTo(a.headSeq());
        long[] lastWhole = ends.get(ends.size() - 2);
        int replays = 0;

        // 1. the last record cut short (a torn tail)
        Path torn = copyOf(a.archive(), "torn");
        Path seg = onlySegment(torn);
        long size = Files.size(seg);
        try (var ch = java.nio.channels.FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(size - 20);
        }
        Restore.Result r = restore(a, torn, "torn-full.db", Long.MAX_VALUE);
        assertThat(r.seq()).as("the replay stops after the last whole batch").isEqualTo(lastWhole[1]);
        LedgerFile.assertIntact(r.target());
        BackupFailure toHead = catchFailure(() -> restore(a, torn, "torn-head.db", a.headSeq()));
        assertThat(toHead.getMessage()).contains("the archive ends at seq " + lastWhole[1], "cannot bring the backup to seq " + a.headSeq());
        assertThat(dir.resolve("torn-head.db")).doesNotExist();
        try (JournalArchive opened = JournalArchive.open(torn, true)) {
            assertThat(opened.lastSeq()).isEqualTo(lastWhole[1]);
            assertThat(opened.openReport()).contains("cut");
        }
        replays += 3;

        // 2. random bytes over the middle of the segment (CRCs fail there)
        Path garbled = copyOf(a.archive(), "garbled");
        seg = onlySegment(garbled);
        long[] middle = ends.get(ends.size() / 2);
        long damageAt = middle[0] + 7;
        byte[] junk = new byte[48];
        new Random(SEED).nextBytes(junk);
        try (var ch = java.nio.channels.FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(junk), damageAt);
        }
        long lastBefore = middle[1];
        r = restore(a, garbled, "garbled-full.db", Long.MAX_VALUE);
        assertThat(r.seq()).as("the replay stops at the last whole batch before the damage").isEqualTo(Math.max(lastBefore, a.backupSeq()));
        LedgerFile.assertIntact(r.target());
        BackupFailure garbledToHead = catchFailure(() -> restore(a, garbled, "garbled-head.db", a.headSeq()));
        assertThat(garbledToHead.getMessage()).contains("the archive ends at seq " + r.seq());
        assertThat(dir.resolve("garbled-head.db")).doesNotExist();
        replays += 2;

        // 3. garbage appended after the last whole batch
        Path tail = copyOf(a.archive(), "tail");
        byte[] more = new byte[300];
        new Random(SEED + 1).nextBytes(more);
        Files.write(onlySegment(tail), more, StandardOpenOption.APPEND);
        r = restore(a, tail, "tail-full.db", a.headSeq());
        assertThat(r.seq()).isEqualTo(a.headSeq());
        LedgerFile.assertIntact(r.target());
        replays += 1;

        REPLAY_BAD.addAndGet(replays);
        Reliability.line("Bad input: torn, garbled and over-long journal archive segments being replayed by restore", replays,
                "the replay stops at the last whole batch (audit intact) or refuses a bound it cannot reach, leaving no target",
                "0 partial batches applied; seed " + SEED);
        System.out.printf("BadInputCatalogueIT archive: torn tail, garbled middle (at byte %d) and trailing garbage:"
                        + " %d replays, each stopped at the last whole batch or refused with \"%s\"%n", damageAt, replays,
                garbledToHead.getMessage());
    }

    /**
     * A record that is well formed as a frame (length, CRC32C, and even the chain hash all hold)
     * but whose Smile payload is random or cut short: the replay refuses it by name, the restore
     * leaves no target, and a self-healing open refuses with {@code LEDGER_HALTED} without keeping
     * any part of the bad batch.
     */
    @Test
    void anArchivedEventWithRandomOrTruncatedSmileIsRefusedByRestoreAndBySelfHealAndNothingOfItsBatchIsKept() throws Exception {
        Archived a = archivedLedger();
        byte[] headHash;
        try (Connection conn = LedgerDatabase.openReadOnly(a.db())) {
            headHash = EventReader.head(conn).hash();
        }
        PayloadCodec codec = new PayloadCodec();
        EventFrame frames = new EventFrame();
        ChainHash chain = new ChainHash();
        long ts = System.currentTimeMillis() * 1000;
        long n = a.headSeq();
        Random rnd = new Random(SEED);
        byte[] randomSmile = new byte[40];
        rnd.nextBytes(randomSmile);
        randomSmile[0] = (byte) 0xFA;
        LedgerEvent good = new LedgerEvent(n + 1, ts, new Deposit("alice", 1, "appended"),
                List.of(new Posting(Account.WORLD, -1), new Posting(Account.player("alice"), 1)), null, 1);
        byte[] goodPayload = codec.encode(good);
        byte[] truncatedSmile = java.util.Arrays.copyOf(goodPayload, goodPayload.length - 3);
        int cases = 0;
        for (byte[] badPayload : List.of(randomSmile, truncatedSmile)) {
            String name = badPayload == randomSmile ? "random" : "truncated";
            // a batch of two: a good event, then the bad one (so the replay has begun the batch when it meets it)
            Path archive = copyOf(a.archive(), "smile-" + name);
            byte[] frame1 = frames.encode(EventType.DEPOSITED.code(), n + 1, ts, goodPayload);
            byte[] hash1 = chain.next(headHash, frame1);
            byte[] frame2 = frames.encode(EventType.DEPOSITED.code(), n + 2, ts, badPayload);
            byte[] hash2 = chain.next(hash1, frame2);
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            batch.writeBytes(JournalRecord.event(frame1, hash1));
            batch.writeBytes(JournalRecord.event(frame2, hash2));
            batch.writeBytes(JournalRecord.batchEnd(n + 1, n + 2, ts, null));
            Files.write(onlySegment(archive), batch.toByteArray(), StandardOpenOption.APPEND);

            // restore: refused by name, the target never appears
            BackupFailure f = catchFailure(() -> restore(a, archive, "smile-" + name + ".db", Long.MAX_VALUE));
            assertThat(f.getMessage()).contains("the archive cannot be applied to the backup", "archived seq " + (n + 2),
                    "does not decode");
            assertThat(dir.resolve("smile-" + name + ".db")).doesNotExist();

            // self-heal: an older copy of the database (the backup file itself, on the archive's
            // timeline) opens against this archive; a restore without the archive would start a new
            // timeline, which the archive is refused for before any replay
            Path healing = dir.resolve("heal-" + name + ".db");
            Files.copy(a.backups().resolve(a.backupName()), healing);
            assertThat(LedgerFile.maxSeq(healing)).isEqualTo(a.backupSeq());
            assertThatThrownBy(() -> Ledger.open(config(healing).archiveDir(archive).build()).close())
                    .isInstanceOfSatisfying(LedgerException.LedgerHalted.class, e -> {
                        assertThat(e.code()).isEqualTo("LEDGER_HALTED");
                        assertThat(e.getMessage()).contains("does not continue", "archived seq " + (n + 2), "does not decode");
                    });
            // the whole batches before the bad one were healed in; nothing of the bad batch was kept
            assertThat(LedgerFile.maxSeq(healing)).isEqualTo(n);
            LedgerFile.assertIntact(healing);
            cases += 2;
            System.out.printf("BadInputCatalogueIT archive with %s Smile at seq %d: restore refused (\"%s\"), self-heal"
                    + " refused with LEDGER_HALTED, database left at seq %d%n", name, n + 2, f.getMessage(), n);
        }
        REPLAY_BAD.addAndGet(cases);
        Reliability.line("Bad input: random and truncated Smile inside well-framed archive records (restore and self-heal)",
                cases, "restore refuses naming the seq, leaves no target; self-heal refuses with LEDGER_HALTED and keeps"
                        + " nothing of the bad batch; audit intact", "0 undecodable events applied; seed " + SEED);
    }

    @Test
    void exportingALogWithAnUndecodablePayloadStopsWithExitCode2AndAOneLineMessage() throws Exception {
        Archived a = archivedLedger();
        Path damaged = dir.resolve("damaged.db");
        Files.copy(a.db(), damaged);
        long victim = a.headSeq() / 2;
        byte[] junk = new byte[30];
        new Random(SEED).nextBytes(junk);
        junk[0] = (byte) 0xFA;
        try (Connection conn = java.sql.DriverManager.getConnection(LedgerDatabase.url(damaged));
             var ps = conn.prepareStatement("UPDATE events SET payload = ? WHERE seq = ?")) {
            ps.setBytes(1, junk);
            ps.setLong(2, victim);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        Path out = dir.resolve("export.jsonl");
        ChildJvm.Result run = ChildJvm.run(dir, "export", "--db", damaged.toString(), "--out", out.toString());
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
        assertThat(run.stderr()).doesNotContain("\tat ");
        List<String> err = run.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(err).hasSize(1);
        assertThat(err.get(0)).startsWith("ledger export: ").contains("payload");
        REPLAY_BAD.incrementAndGet();
        Reliability.line("Bad input: random Smile in a stored payload, exported", 1,
                "export exits 2 with one line naming the payload problem, no stack trace", "0 undecodable events exported");
        long exported = Files.exists(out) ? Files.readAllLines(out).size() : 0;
        System.out.printf("BadInputCatalogueIT export of a log with random Smile at seq %d: exit 2, \"%s\"; %d events"
                + " were written to --out before it stopped%n", victim, err.get(0), exported);
    }

    private interface Failing {
        Object run() throws BackupFailure;
    }

    private static BackupFailure catchFailure(Failing f) {
        try {
            Object r = f.run();
            throw new AssertionError("expected a BackupFailure, got " + r);
        } catch (BackupFailure e) {
            return e;
        }
    }
}
