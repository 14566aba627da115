package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.LedgerReader;
import io.bitcraps.ledger.domain.LimitStatus;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.PlayerLimit;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.domain.ProtectionStatus;
import io.bitcraps.ledger.domain.Page;
import io.bitcraps.ledger.domain.PageRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.StringWriter;
import java.time.Instant;
import java.util.Optional;
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
    @Mixin
    LedgerFileOption ledgerFile;

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
        int printed = 0;
        try (LedgerReader reader = LedgerReader.open(ledgerFile.path)) {
            // the first page before anything is printed: a read model that cannot be read (a log-first ledger whose
            // views file is missing) fails the command with nothing on stdout
            PageRequest next = PageRequest.first(Math.min(limit, Limits.PAGE_ROWS_MAX));
            Page<BetState> first = reader.betsByPlayer(player, next);
            Optional<ProtectionStatus> protection = reader.protection(player, Instant.now());
            if (protection.isPresent()) {
                System.out.println(json ? protectionJson(protection.get()) : protectionText(protection.get()));
            }
            while (next != null && printed < limit) {
                Page<BetState> page = first != null ? first : reader.betsByPlayer(player, next);
                first = null;
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

    private static String instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L).toString();
    }

    private static String protectionText(ProtectionStatus s) {
        StringBuilder out = new StringBuilder("protection of " + s.player() + " at " + instant(s.atMicros()));
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
                        .append(" from ").append(instant(l.raiseFromMicros()));
            }
        }
        if (s.exclusion() != null) {
            out.append(String.format(Locale.ROOT, "%n  %-12s until %s: deposits and bets refused", s.exclusion().field(),
                    instant(s.excludedUntilMicros())));
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
            g.writeStringProperty("at", instant(s.atMicros()));
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
                    g.writeStringProperty("raised_from", instant(l.raiseFromMicros()));
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            if (s.exclusion() != null) {
                g.writeStringProperty("exclusion", s.exclusion().field());
                g.writeStringProperty("excluded_until", instant(s.excludedUntilMicros()));
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
