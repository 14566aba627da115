package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The audit's own books, kept apart from the live projection code on purpose: plain hash maps and
 * the rules restated from the domain description. It replays events in seq order, recomputes
 * the postings each command implies, checks every rule and invariant at every event (stronger
 * than at batch boundaries), and keeps what it needs to compare with the stored read model:
 * balances, games, every bet ever placed, player statistics and per-account posting totals.
 */
final class Books {
    static final class Game {
        final String id;
        final String table;
        boolean open = true;
        final long openedSeq;
        long closedSeq;
        int rolls;
        int die1;
        int die2;
        int point;
        int openBets;
        long openStakes;

        Game(String id, String table, long openedSeq) {
            this.id = id;
            this.table = table;
            this.openedSeq = openedSeq;
        }
    }

    static final class Bet {
        final String game;
        final String id;
        final String player;
        final BetType type;
        final Integer point;
        final long amount;
        final long placedSeq;
        long settledSeq;
        Outcome outcome;
        long winnings;

        Bet(Command.PlaceBet b, long seq) {
            this.game = b.gameId();
            this.id = b.betId();
            this.player = b.player();
            this.type = b.betType();
            this.point = b.point();
            this.amount = b.amount();
            this.placedSeq = seq;
        }
    }

    /** Per-player betting statistics: wagered, won, lost, placed, settled. */
    static final class Stats {
        long wagered;
        long won;
        long lost;
        long placed;
        long settled;
    }

    final Map<String, Long> balances = new HashMap<>();
    final Map<String, Game> games = new HashMap<>();
    final Map<String, Bet> bets = new HashMap<>();
    final Map<String, Stats> players = new HashMap<>();
    long total;
    /** Lines the account statements hold: per event, one per account its postings moved (a net of zero moves none). */
    long statementLines;
    /** Chips in play: the stakes of every open bet. */
    long openStakesTotal;
    long lastSeq;
    private long lastTimestamp;

    long balance(String account) {
        return balances.getOrDefault(account, 0L);
    }

    /** The player a settlement pays, for the column check; null if the bet is unknown. */
    /** The primary epoch of the events read so far (EPOCH_STARTED events count it up by one). */
    private long epoch;

    String bettor(String game, String bet) {
        Bet b = bets.get(game + '/' + bet);
        return b == null ? null : b.player;
    }

    void apply(long seq, long timestamp, Command c, List<Posting> recorded, Consumer<Problem> report) {
        if (timestamp < lastTimestamp) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "timestamp " + timestamp + " is before the previous "
                    + lastTimestamp));
        }
        lastTimestamp = Math.max(lastTimestamp, timestamp);
        lastSeq = seq;
        List<Posting> expected = expectedPostings(seq, c, report);
        if (expected != null && !sameMovements(expected, recorded)) {
            report.accept(new Problem(seq, ProblemKind.WRONG_POSTINGS, "recorded " + describe(recorded) + ", the "
                    + c.eventType() + " implies " + describe(expected)));
        }
        long sum = 0;
        for (Posting p : recorded) {
            sum += p.delta();
        }
        if (sum != 0) {
            report.accept(new Problem(seq, ProblemKind.UNBALANCED_POSTINGS, "postings sum to " + sum));
        }
        for (Posting p : recorded) {
            post(seq, p, report);
        }
        statementLines += linesOf(recorded);
        applyStructure(seq, c, report);
    }

    /**
     * Accounts the postings move by a net other than zero: the statement lines of the event. An
     * event has two or three postings, so a scan of the list beats a map (this runs for every event).
     */
    private static int linesOf(List<Posting> postings) {
        int n = postings.size();
        int lines = 0;
        next:
        for (int i = 0; i < n; i++) {
            Account account = postings.get(i).account();
            for (int j = 0; j < i; j++) {
                if (postings.get(j).account().equals(account)) {
                    continue next; // counted at its first posting
                }
            }
            long net = 0;
            for (int j = i; j < n; j++) {
                if (postings.get(j).account().equals(account)) {
                    net += postings.get(j).delta();
                }
            }
            if (net != 0) {
                lines++;
            }
        }
        return lines;
    }

    private void post(long seq, Posting p, Consumer<Problem> report) {
        String account = p.account().key();
        long after = balance(account) + p.delta();
        balances.put(account, after);
        total += p.delta();
        if (after < 0 && !p.account().mayBeNegative()) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, account + " goes to " + after + " (I2: only world may be negative)"));
        }
    }

    /**
     * The postings the command implies given the books so far; null when the command cannot apply at all. A switch over
     * the event type with no default: a command added to the ledger does not compile until the audit knows its postings.
     */
    private List<Posting> expectedPostings(long seq, Command c, Consumer<Problem> report) {
        return switch (c.eventType()) {
            case DEPOSITED -> {
                Command.Deposit d = (Command.Deposit) c;
                yield List.of(new Posting(Account.WORLD, -d.amount()), new Posting(Account.player(d.player()), d.amount()));
            }
            case WITHDRAWN -> withdrawalPostings(seq, (Command.Withdraw) c, report);
            case HOUSE_FUNDED -> {
                Command.FundHouse f = (Command.FundHouse) c;
                yield List.of(new Posting(Account.WORLD, -f.amount()), new Posting(Account.HOUSE, f.amount()));
            }
            case BET_PLACED -> stakePostings(seq, (Command.PlaceBet) c, report);
            case BET_SETTLED -> settlementPostings(seq, (Command.SettleBet) c, report);
            case DICE_ROLLED -> {
                requireOpenGame(seq, ((Command.RecordRoll) c).gameId(), "a roll", report);
                yield List.of();
            }
            case GAME_OPENED -> {
                Command.OpenGame o = (Command.OpenGame) c;
                if (games.containsKey(o.gameId())) {
                    report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "game " + o.gameId() + " opened twice"));
                }
                yield List.of();
            }
            case GAME_CLOSED -> {
                Command.CloseGame cg = (Command.CloseGame) c;
                Game g = requireOpenGame(seq, cg.gameId(), "closing", report);
                if (g != null && g.openBets > 0) {
                    report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "game " + cg.gameId() + " closed with "
                            + g.openBets + " open bet(s) (I4)"));
                }
                yield List.of();
            }
            case LIMITS_SET, PLAYER_EXCLUDED -> List.of(); // moves no chips (the protections fold judges them)
            case EPOCH_STARTED -> {
                Command.StartEpoch ep = (Command.StartEpoch) c;
                if (ep.epoch() != epoch + 1) {
                    report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "epoch " + ep.epoch() + " starts after epoch "
                            + epoch + " (epochs count up by one)"));
                }
                epoch = Math.max(epoch, ep.epoch());
                yield List.of();
            }
        };
    }

    private List<Posting> withdrawalPostings(long seq, Command.Withdraw w, Consumer<Problem> report) {
        if (balance("player:" + w.player()) < w.amount()) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "withdrawal of " + w.amount() + " from player:"
                    + w.player() + " holding " + balance("player:" + w.player()) + " (I2)"));
        }
        return List.of(new Posting(Account.player(w.player()), -w.amount()), new Posting(Account.WORLD, w.amount()));
    }

    private List<Posting> stakePostings(long seq, Command.PlaceBet b, Consumer<Problem> report) {
        Game g = requireOpenGame(seq, b.gameId(), "a bet", report);
        if (bets.containsKey(b.gameId() + '/' + b.betId())) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "bet " + b.betId() + " placed twice in game " + b.gameId()));
        }
        if (balance("player:" + b.player()) < b.amount()) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "stake " + b.amount() + " exceeds player:"
                    + b.player() + "'s " + balance("player:" + b.player()) + " (I2)"));
        }
        if (g == null) {
            return null;
        }
        return List.of(new Posting(Account.player(b.player()), -b.amount()), new Posting(Account.escrow(b.gameId()), b.amount()));
    }

    private List<Posting> settlementPostings(long seq, Command.SettleBet s, Consumer<Problem> report) {
        Game g = requireOpenGame(seq, s.gameId(), "a settlement", report);
        Bet bet = bets.get(s.gameId() + '/' + s.betId());
        if (g == null || bet == null) {
            if (bet == null) {
                report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "settles bet " + s.betId()
                        + " which was never placed in game " + s.gameId() + " (I4)"));
            }
            return null;
        }
        if (bet.settledSeq != 0) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "bet " + s.betId() + " of game " + s.gameId()
                    + " settled again; first settled at seq " + bet.settledSeq + " (I4)"));
            return null;
        }
        Account escrow = Account.escrow(s.gameId());
        Account player = Account.player(bet.player);
        return switch (s.outcome()) {
            case WIN -> {
                if (balance("house") < s.winnings()) {
                    report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "house pays " + s.winnings()
                            + " holding " + balance("house") + " (I2)"));
                }
                yield List.of(new Posting(escrow, -bet.amount), new Posting(Account.HOUSE, -s.winnings()),
                        new Posting(player, bet.amount + s.winnings()));
            }
            case LOSE -> List.of(new Posting(escrow, -bet.amount), new Posting(Account.HOUSE, bet.amount));
            case PUSH, VOID -> List.of(new Posting(escrow, -bet.amount), new Posting(player, bet.amount));
        };
    }

    private Game requireOpenGame(long seq, String gameId, String what, Consumer<Problem> report) {
        Game g = games.get(gameId);
        if (g == null || !g.open) {
            report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, what + " in game " + gameId
                    + (g == null ? " which was never opened" : " after it closed at seq " + g.closedSeq)));
            return null;
        }
        return g;
    }

    /**
     * Games, bets and statistics; runs after the postings so escrow can be checked against open stakes (I3). A switch
     * over the event type with no default; each case yields the game whose escrow it changed, or null.
     */
    private void applyStructure(long seq, Command c, Consumer<Problem> report) {
        String touchedGame = switch (c.eventType()) {
            case GAME_OPENED -> {
                Command.OpenGame o = (Command.OpenGame) c;
                games.putIfAbsent(o.gameId(), new Game(o.gameId(), o.tableId(), seq));
                yield null;
            }
            case BET_PLACED -> {
                Command.PlaceBet b = (Command.PlaceBet) c;
                Game g = games.get(b.gameId());
                Bet bet = new Bet(b, seq);
                if (bets.putIfAbsent(b.gameId() + '/' + b.betId(), bet) == null && g != null) {
                    g.openBets++;
                    g.openStakes += b.amount();
                    openStakesTotal += b.amount();
                    Stats st = players.computeIfAbsent(b.player(), p -> new Stats());
                    st.wagered += b.amount();
                    st.placed++;
                }
                yield b.gameId();
            }
            case BET_SETTLED -> {
                Command.SettleBet s = (Command.SettleBet) c;
                Bet bet = bets.get(s.gameId() + '/' + s.betId());
                Game g = games.get(s.gameId());
                if (bet != null && bet.settledSeq == 0 && g != null) {
                    bet.settledSeq = seq;
                    bet.outcome = s.outcome();
                    bet.winnings = s.winnings();
                    g.openBets--;
                    g.openStakes -= bet.amount;
                    openStakesTotal -= bet.amount;
                    Stats st = players.computeIfAbsent(bet.player, p -> new Stats());
                    st.won += s.winnings();
                    st.lost += s.outcome() == Outcome.LOSE ? bet.amount : 0;
                    st.settled++;
                }
                yield s.gameId();
            }
            case DICE_ROLLED -> {
                Command.RecordRoll r = (Command.RecordRoll) c;
                Game g = games.get(r.gameId());
                if (g != null) {
                    g.rolls++;
                    g.die1 = r.die1();
                    g.die2 = r.die2();
                    g.point = nextPoint(g.point, r.die1() + r.die2());
                }
                yield null;
            }
            case GAME_CLOSED -> {
                Command.CloseGame cg = (Command.CloseGame) c;
                Game g = games.get(cg.gameId());
                if (g != null && g.open) {
                    g.open = false;
                    g.closedSeq = seq;
                }
                yield null;
            }
            case DEPOSITED, WITHDRAWN, HOUSE_FUNDED, LIMITS_SET, PLAYER_EXCLUDED, EPOCH_STARTED -> null;
        };
        if (touchedGame != null) {
            Game g = games.get(touchedGame);
            long escrow = balance("escrow:" + touchedGame);
            if (g != null && escrow != g.openStakes) {
                report.accept(new Problem(seq, ProblemKind.INVARIANT_BROKEN, "escrow:" + touchedGame + " holds " + escrow
                        + " but its open bets stake " + g.openStakes + " (I3)"));
            }
        }
    }

    /** The puck: a come-out 4, 5, 6, 8, 9, 10 sets the point; the point or a 7 takes it off. */
    static int nextPoint(int point, int total) {
        if (point == 0) {
            return total == 4 || total == 5 || total == 6 || total == 8 || total == 9 || total == 10 ? total : 0;
        }
        return total == point || total == 7 ? 0 : point;
    }

    /** The same postings in any order. */
    private static boolean sameMovements(List<Posting> a, List<Posting> b) {
        // the writer records the postings in the order the command implies them, so the ordered comparison
        // settles almost every event; sorting two copies per event was a sixth of the audit's fold
        return a.equals(b) || sorted(a).equals(sorted(b));
    }

    private static List<Posting> sorted(List<Posting> postings) {
        List<Posting> copy = new ArrayList<>(postings);
        copy.sort(Comparator.comparing((Posting p) -> p.account().key()).thenComparingLong(Posting::delta));
        return copy;
    }

    private static String describe(List<Posting> postings) {
        StringBuilder s = new StringBuilder("[");
        for (Posting p : postings) {
            if (s.length() > 1) {
                s.append(", ");
            }
            s.append(p.account().key()).append(' ').append(p.delta() > 0 ? "+" : "").append(p.delta());
        }
        return s.append(']').toString();
    }
}
