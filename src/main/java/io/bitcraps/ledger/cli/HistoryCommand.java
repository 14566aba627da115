package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.projection.BetState;
import io.bitcraps.ledger.query.BetRepository;
import io.bitcraps.ledger.query.Page;
import io.bitcraps.ledger.query.PageRequest;
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
import java.util.Locale;
import java.util.concurrent.Callable;

/** Prints a player's bets, newest first, from the read model (keyset-paged underneath). */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Print a player's bets, newest first (read-only; safe beside a running writer).")
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
            check.rollback();
        }
        int printed = 0;
        try (ReaderPool pool = new ReaderPool(source, 1, null, kind)) {
            BetRepository bets = new BetRepository(pool, null);
            PageRequest next = PageRequest.first(Math.min(limit, PageRequest.LIMIT_MAX));
            while (next != null && printed < limit) {
                Page<BetState> page = bets.byPlayer(player, next);
                for (BetState b : page.items()) {
                    if (printed++ == limit) {
                        break;
                    }
                    System.out.println(json ? toJson(b) : toLine(b));
                }
                next = page.next() == null ? null
                        : new PageRequest(Math.min(limit - printed, PageRequest.LIMIT_MAX) < 1 ? 1
                        : Math.min(limit - printed, PageRequest.LIMIT_MAX), page.next().beforeSeq());
            }
        }
        if (printed == 0) {
            System.err.println("no bets for player " + player);
        }
        return LedgerCli.EXIT_OK;
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
