package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.domain.LimitStatus;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.projection.Protections;
import io.bitcraps.ledger.protection.PlayerProtection;
import io.bitcraps.ledger.store.EventReader;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.Head;
import io.bitcraps.ledger.query.BetRepository;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import io.bitcraps.ledger.query.ReaderPool;
import io.bitcraps.ledger.store.LedgerDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Prints a player's protection (limits in force, what is used and left of each, a raise waiting out its
 * cooling period, an exclusion), folded from the log, then their bets, newest first, from the read model
 * (keyset-paged underneath).
 */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Print a player's limits and exclusion, if any, then their bets, newest first (read-only; safe"
                + " beside a running writer).")
final class HistoryCommand implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "ledger database file")
    Path db;

    @Option(names = "--player", required = true, description = "player id")
    String player;

    @Option(names = "--limit", defaultValue = "50", description = "most bets to print (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--json", description = "one JSON object per bet")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        }
        Path source = db;
        ReaderPool.Source kind = ReaderPool.Source.LEDGER;
        try (Connection check = LedgerDatabase.openReadOnly(db)) {
            check.setAutoCommit(false);
            // also refuses a file that is not a ledger before the pool opens it
            if (io.bitcraps.ledger.store.EventReader.head(check).readModelSeq() < 0) {
                // a log-first ledger keeps its read model in the views file beside it
                source = LedgerDatabase.viewsFileOf(db);
                kind = ReaderPool.Source.VIEWS;
                if (!java.nio.file.Files.exists(source)) {
                    System.err.println("ledger history: " + db + " keeps its read model in " + source
                            + " (the log-first commit), which is missing; opening the ledger rebuilds it");
                    return LedgerCli.EXIT_ERROR;
                }
            }
            printProtection(check);
            check.rollback();
        }
        int printed = 0;
        try (ReaderPool pool = new ReaderPool(source, 1, null, kind)) {
            BetRepository bets = new BetRepository(pool, null);
            PageRequest next = PageRequest.first(Math.min(limit, Limits.PAGE_ROWS_MAX));
            while (next != null && printed < limit) {
                Page<BetState> page = bets.byPlayer(player, next);
                for (BetState b : page.items()) {
                    if (printed++ == limit) {
                        break;
                    }
                    System.out.println(json ? toJson(b) : toLine(b));
                }
                next = page.next() == null ? null
                        : new PageRequest(Math.min(limit - printed, Limits.PAGE_ROWS_MAX) < 1 ? 1
                        : Math.min(limit - printed, Limits.PAGE_ROWS_MAX), page.next().beforeSeq());
            }
        }
        if (printed == 0) {
            System.err.println("no bets for player " + player);
        }
        return LedgerCli.EXIT_OK;
    }

    /**
     * The player's protection now (the ledger's last event time if later), folded from the log within one read
     * transaction: nothing printed for a player who never set a limit or excluded themselves.
     */
    private void printProtection(Connection conn) throws Exception {
        Head head = EventReader.head(conn);
        if (head.seq() <= 0) {
            return;
        }
        List<EventRow> last = new ArrayList<>(1);
        EventReader.forEach(conn, head.seq(), head.seq(), last::add);
        long headMicros = last.isEmpty() ? 0 : last.get(0).timestampMicros();
        PlayerProtection p = Protections.ofPlayer(conn, new PayloadCodec(), head.seq(), player);
        if (p == null) {
            return;
        }
        Instant now = Instant.now();
        long micros = Math.max(headMicros, now.getEpochSecond() * 1_000_000L + now.getNano() / 1000);
        ProtectionStatus status = p.statusOf(player, micros);
        System.out.println(json ? protectionJson(status) : protectionText(status));
    }

    private static String protectionText(ProtectionStatus s) {
        StringBuilder out = new StringBuilder("protection of " + s.player() + " at " + PlayerProtection.instant(s.atMicros()));
        for (LimitStatus l : s.limits()) {
            if (l.value() == null && !l.raisePending()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%n  %-12s ", l.limit().field()));
            if (l.value() == null) {
                out.append("none");
            } else if (l.limit() == PlayerLimit.STAKE_MAX) {
                out.append(String.format(Locale.ROOT, "%,d per bet", l.value()));
            } else {
                out.append(String.format(Locale.ROOT, "%,d per %s: %s %,d, %,d left", l.value(), l.limit().window(),
                        l.limit().isDeposit() ? "deposited" : "net loss", l.used(), l.left()));
            }
            if (l.raisePending()) {
                out.append(l.raisedTo() == null ? "; removed" : String.format(Locale.ROOT, "; raised to %,d", l.raisedTo()))
                        .append(" from ").append(PlayerProtection.instant(l.raiseFromMicros()));
            }
        }
        if (s.exclusion() != null) {
            out.append(String.format(Locale.ROOT, "%n  %-12s until %s: deposits and bets refused", s.exclusion().field(),
                    PlayerProtection.instant(s.excludedUntilMicros())));
        }
        return out.toString();
    }

    private static String protectionJson(ProtectionStatus s) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeName("protection");
            g.writeStartObject();
            g.writeStringProperty("player", s.player());
            g.writeStringProperty("at", PlayerProtection.instant(s.atMicros()));
            g.writeName("limits");
            g.writeStartObject();
            for (LimitStatus l : s.limits()) {
                if (l.value() == null && !l.raisePending()) {
                    continue;
                }
                g.writeName(l.limit().field());
                g.writeStartObject();
                if (l.value() != null) {
                    g.writeNumberProperty("value", l.value());
                    g.writeNumberProperty("used", l.used());
                    g.writeNumberProperty("left", l.left());
                } else {
                    g.writeNullProperty("value");
                }
                if (l.raisePending()) {
                    if (l.raisedTo() == null) {
                        g.writeNullProperty("raised_to");
                    } else {
                        g.writeNumberProperty("raised_to", l.raisedTo());
                    }
                    g.writeStringProperty("raised_from", PlayerProtection.instant(l.raiseFromMicros()));
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            if (s.exclusion() != null) {
                g.writeStringProperty("exclusion", s.exclusion().field());
                g.writeStringProperty("excluded_until", PlayerProtection.instant(s.excludedUntilMicros()));
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return w.toString();
    }

    private static String toLine(BetState b) {
        String result = b.isOpen() ? "open" : b.outcome() + (b.winnings() > 0 ? " +" + b.winnings() : "");
        return String.format(Locale.ROOT, "seq %-10d %-24s %-10s %-15s %-5s %,12d  %s", b.placedSeq(), b.gameId(), b.betId(),
                b.betType(), b.point() == null ? "" : b.point().toString(), b.amount(), result);
    }

    private static String toJson(BetState b) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeStringProperty("game", b.gameId());
            g.writeStringProperty("bet", b.betId());
            g.writeStringProperty("player", b.player());
            g.writeStringProperty("bet_type", b.betType().name());
            if (b.point() != null) {
                g.writeNumberProperty("point", b.point().intValue());
            } else {
                g.writeNullProperty("point");
            }
            g.writeNumberProperty("amount", b.amount());
            g.writeNumberProperty("placed_seq", b.placedSeq());
            g.writeStringProperty("status", b.isOpen() ? "OPEN" : b.outcome().name());
            if (!b.isOpen()) {
                g.writeNumberProperty("settled_seq", b.settledSeq());
                g.writeNumberProperty("winnings", b.winnings());
            }
            g.writeEndObject();
        }
        return w.toString();
    }
}
