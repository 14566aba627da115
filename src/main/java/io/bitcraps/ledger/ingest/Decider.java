package io.bitcraps.ledger.ingest;

import io.bitcraps.ledger.craps.FairDice;
import io.bitcraps.ledger.craps.GameTable;
import io.bitcraps.ledger.craps.OpenBet;
import io.bitcraps.ledger.craps.PlacementError;
import io.bitcraps.ledger.craps.Resolution;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.Settlement;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.craps.TableState;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.domain.Rejected;
import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.projection.GameState;
import io.bitcraps.ledger.projection.LedgerState;
import io.bitcraps.ledger.protection.PlayerProtection;

import java.util.List;
import java.util.Optional;

/**
 * The rules: given the state a command meets, either the postings it causes or the reason it is
 * refused. Functions of the state and of {@link History} (for games and accounts the state no
 * longer holds), run on the writer thread against the state that already includes the earlier
 * commands of the batch. The projector re-checks the invariants when the event is
 * applied, so a mistake here halts the ledger rather than corrupting it.
 * <p>
 * With {@code byTheRules} (the default), every bet and settlement is also judged by the craps
 * rulebook under the table rules the game recorded, through the game's {@link GameTable}: a
 * placement the rules refuse, a settlement other than the rulebook's for the roll that decided the
 * bet, a settlement of a bet no roll decided (other than VOID), and a roll while an earlier roll's
 * settlements are still owed are each refused with the facts. A game without a table (rules the
 * rulebook cannot read, only in a log from elsewhere) and a bet the table does not hold (placed
 * against the rules in such a log) are not judged.
 * <p>
 * Player protection is judged whatever {@code byTheRules} says: a deposit or bet by a player whose
 * limits or exclusion ({@code protection.PlayerProtection}) refuse it at {@code nowMicros}, the
 * timestamp the event will carry, is refused; a withdrawal never is. The audit judges the same log again with its own
 * fold ({@code audit.Payouts}), so the two are independent checks around one rulebook.
 */
final class Decider {
    private Decider() {}

    /** A switch over the event type with no default: a command added to the ledger does not compile until it has rules. */
    static List<Posting> decide(LedgerState s, Command c, History history, boolean byTheRules, long nowMicros) {
        return switch (c.eventType()) {
            case DEPOSITED -> deposit(s, (Command.Deposit) c, nowMicros);
            case WITHDRAWN -> withdraw(s, (Command.Withdraw) c, history);
            case HOUSE_FUNDED -> fundHouse(s, (Command.FundHouse) c);
            case GAME_OPENED -> opening(s, (Command.OpenGame) c, history, byTheRules);
            case BET_PLACED -> placeBet(s, (Command.PlaceBet) c, history, byTheRules, nowMicros);
            case DICE_ROLLED -> roll(s, (Command.RecordRoll) c, history, byTheRules);
            case BET_SETTLED -> settleBet(s, (Command.SettleBet) c, history, byTheRules);
            case GAME_CLOSED -> closeGame(s, (Command.CloseGame) c, history, byTheRules);
            case LIMITS_SET -> List.of(); // any limits: a lowered one applies at once, a raised one waits (PlayerProtection)
            case PLAYER_EXCLUDED -> selfExclude(s, (Command.SelfExclude) c, nowMicros);
            case EPOCH_STARTED -> startEpoch((Command.StartEpoch) c, history);
        };
    }

    private static List<Posting> deposit(LedgerState s, Command.Deposit d, long nowMicros) {
        PlayerProtection protection = s.protection(d.player());
        if (protection != null) {
            refuse(protection.refuseDeposit(d.player(), d.amount(), nowMicros));
        }
        Account player = Account.player(d.player());
        requireRoom(s, player, d.amount());
        requireWorldRoom(s, d.amount());
        return List.of(new Posting(Account.WORLD, -d.amount()), new Posting(player, d.amount()));
    }

    private static List<Posting> withdraw(LedgerState s, Command.Withdraw w, History history) {
        // never refused for the player's limits or exclusion: a protected player may always cash out
        Account player = Account.player(w.player());
        requireFunds(s, player, w.amount(), history);
        return List.of(new Posting(player, -w.amount()), new Posting(Account.WORLD, w.amount()));
    }

    private static List<Posting> fundHouse(LedgerState s, Command.FundHouse f) {
        requireRoom(s, Account.HOUSE, f.amount());
        requireWorldRoom(s, f.amount());
        return List.of(new Posting(Account.WORLD, -f.amount()), new Posting(Account.HOUSE, f.amount()));
    }

    private static List<Posting> opening(LedgerState s, Command.OpenGame g, History history, boolean byTheRules) {
        if (s.game(g.gameId()) != null || history.gameEverOpened(g.gameId())) {
            throw new Rejected.GameExists(g.gameId());
        }
        if (byTheRules && g.commitment() != null && history.commitmentEverUsed(g.commitment())) {
            // its seed may be known: a game opened under it was closed, revealing it, or will be
            throw new Rejected.CommitmentReused("game " + g.gameId() + " commits to " + g.commitment()
                    + ", which another provably fair game already used: its server seed is revealed at that game's"
                    + " close, so every die of this one could be predicted; commit to a fresh seed");
        }
        try {
            TableRules.parse(g.rules()); // the rules recorded with a game must be ones the audit can judge by
        } catch (IllegalArgumentException e) {
            throw new Rejected.InvalidCommand("table rules of game " + g.gameId() + " do not parse: " + e.getMessage());
        }
        return List.of();
    }

    private static List<Posting> startEpoch(Command.StartEpoch ep, History history) {
        long current = history.epoch();
        if (ep.epoch() != current + 1) {
            throw new Rejected.InvalidCommand("the log is in epoch " + current + ": the next epoch is " + (current + 1)
                    + ", got " + ep.epoch());
        }
        return List.of();
    }

    private static List<Posting> selfExclude(LedgerState s, Command.SelfExclude x, long nowMicros) {
        PlayerProtection protection = s.protection(x.player());
        if (protection != null) {
            refuse(protection.refuseExclusion(x.player(), x, nowMicros));
        }
        return List.of();
    }

    private static List<Posting> roll(LedgerState s, Command.RecordRoll r, History history, boolean byTheRules) {
        GameState game = openGame(s, r.gameId(), history);
        if (byTheRules && game.table() != null) {
            judgeFairness(game, r);
            judgeRoll(game, r);
        }
        return List.of();
    }

    private static List<Posting> closeGame(LedgerState s, Command.CloseGame cg, History history, boolean byTheRules) {
        GameState game = openGame(s, cg.gameId(), history);
        if (game.openBetCount() > 0) {
            throw new Rejected.GameHasOpenBets(cg.gameId(), game.openBetCount());
        }
        if (byTheRules && game.table() != null) {
            judgeReveal(game, cg);
        }
        return List.of();
    }

    private static void refuse(Rejected refusal) {
        if (refusal != null) {
            throw refusal;
        }
    }

    private static List<Posting> placeBet(LedgerState s, Command.PlaceBet b, History history, boolean byTheRules,
                                          long nowMicros) {
        GameState game = openGame(s, b.gameId(), history);
        if (game.bet(b.betId()) != null) {
            throw new Rejected.DuplicateBet(b.gameId(), b.betId());
        }
        if (game.openBetCount() >= Limits.OPEN_BETS_PER_GAME_MAX) {
            throw new Rejected.LimitExceeded("game " + b.gameId() + " already holds " + game.openBetCount()
                    + " open bets, the most one game may hold");
        }
        if (byTheRules && game.table() != null) {
            judgePlacement(game, b);
        }
        PlayerProtection protection = s.protection(b.player());
        if (protection != null) {
            refuse(protection.refuseBet(b.player(), b.amount(), nowMicros));
        }
        Account player = Account.player(b.player());
        Account escrow = Account.escrow(b.gameId());
        requireFunds(s, player, b.amount(), history);
        requireRoom(s, escrow, b.amount());
        return List.of(new Posting(player, -b.amount()), new Posting(escrow, b.amount()));
    }

    private static List<Posting> settleBet(LedgerState s, Command.SettleBet st, History history, boolean byTheRules) {
        GameState game = openGame(s, st.gameId(), history);
        BetState bet = game.bet(st.betId());
        if (bet == null) {
            throw new Rejected.UnknownBet(st.gameId(), st.betId());
        }
        if (!bet.isOpen()) {
            throw new Rejected.BetNotOpen(st.gameId(), st.betId(), bet.settledSeq());
        }
        if (byTheRules && game.table() != null && game.table().holds(st.betId())) {
            judgeSettlement(game, st);
        }
        Account escrow = Account.escrow(st.gameId());
        Account player = Account.player(bet.player());
        if (st.outcome() == Outcome.LOSE) {
            requireRoom(s, Account.HOUSE, bet.amount());
            return List.of(new Posting(escrow, -bet.amount()), new Posting(Account.HOUSE, bet.amount()));
        }
        if (st.outcome() == Outcome.WIN) {
            // I2: the house pays only from its funds
            requireFunds(s, Account.HOUSE, st.winnings(), history);
            long credit = Math.addExact(bet.amount(), st.winnings());
            requireRoom(s, player, credit);
            return List.of(new Posting(escrow, -bet.amount()), new Posting(Account.HOUSE, -st.winnings()),
                    new Posting(player, credit));
        }
        requireRoom(s, player, bet.amount());
        return List.of(new Posting(escrow, -bet.amount()), new Posting(player, bet.amount()));
    }

    /** A submission's roll that left settlements owed: the refusal, and the index of that roll in the submission. */
    record LeftOut(Rejected rejection, int rollIndex) {}

    /**
     * After a whole submission, in the state it leaves: a game it rolled whose table still owes
     * settlements is missing them (they belong in the roll's atomic submission), unless the roll
     * decided more bets than one submission can hold with it. Null when nothing is owed.
     */
    static LeftOut settlementsLeftOut(LedgerState after, List<Command> submission) {
        for (int i = submission.size() - 1; i >= 0; i--) {
            if (!(submission.get(i) instanceof Command.RecordRoll r)) {
                continue;
            }
            GameState game = after.game(r.gameId());
            GameTable t = game == null ? null : game.table();
            if (t == null || t.due().isEmpty() || t.due().size() >= Limits.ATOMIC_COMMANDS_MAX) {
                continue;
            }
            List<Settlement> owed = t.dueSettlements();
            StringBuilder facts = new StringBuilder("game " + r.gameId() + ": roll " + (t.state().rollCount() - 1) + " ("
                    + t.lastRoll() + ") decides " + owed.size() + " bet(s) its submission does not settle: ");
            int shown = 0;
            for (Settlement d : owed) {
                if (shown++ == 5) {
                    facts.append(", …");
                    break;
                }
                facts.append(shown > 1 ? ", " : "").append(d.betId()).append(' ').append(result(d.resolution()));
            }
            facts.append("; submit them with the roll, in one atomic group, or the roll with settle=auto");
            return new LeftOut(new Rejected.MissingSettlement(facts.toString()), i);
        }
        return null;
    }

    /**
     * A fair game's roll names the game's client seed (its first roll chooses it) and the nonce that
     * counts the game's rolls from 0; any other game's roll names neither.
     */
    private static void judgeFairness(GameState game, Command.RecordRoll r) {
        GameTable t = game.table();
        if (!t.isFair()) {
            if (r.isFair()) {
                throw new Rejected.InvalidCommand("game " + r.gameId() + " was opened without a commitment: its rolls"
                        + " name no client seed or nonce");
            }
            return;
        }
        if (!r.isFair()) {
            throw new Rejected.InvalidCommand("game " + r.gameId() + " is provably fair: each roll names the client seed"
                    + " and the nonce its dice were derived with");
        }
        // the nonces count the game's rolls and the client seed is the game's: with either free, the house,
        // which knows the seed, could try values until the dice suit it
        long expected = t.fairRolls().size();
        if (r.nonce() != expected) {
            throw new Rejected.InvalidCommand("game " + r.gameId() + ": this roll's nonce is " + expected
                    + " (a fair game's nonces count its rolls from 0), got " + r.nonce());
        }
        if (expected > 0 && !r.clientSeed().equals(t.fairRolls().get(0).clientSeed())) {
            throw new Rejected.InvalidCommand("game " + r.gameId() + ": the client seed is "
                    + t.fairRolls().get(0).clientSeed() + " for the whole game (its first roll named it), got "
                    + r.clientSeed());
        }
    }

    /**
     * A fair game's close reveals its server seed: it must hash to the commitment made at the opening,
     * and every roll recorded must have the dice the seed derives for its client seed and nonce.
     */
    private static void judgeReveal(GameState game, Command.CloseGame cg) {
        GameTable t = game.table();
        if (!t.isFair()) {
            if (cg.serverSeed() != null) {
                throw new Rejected.InvalidCommand("game " + cg.gameId() + " was opened without a commitment: there is"
                        + " no server seed to reveal");
            }
            return;
        }
        if (cg.serverSeed() == null) {
            throw new Rejected.InvalidCommand("game " + cg.gameId() + " is provably fair: its close reveals the server"
                    + " seed of commitment " + t.commitment());
        }
        byte[] seed = FairDice.parseSeed(cg.serverSeed());
        String hashed = FairDice.commitment(seed);
        if (!hashed.equals(t.commitment())) {
            throw new Rejected.SeedMismatch("game " + cg.gameId() + ": the server seed revealed hashes to " + hashed
                    + ", the game committed to " + t.commitment());
        }
        int index = 0;
        for (GameTable.FairRoll f : t.fairRolls()) {
            Roll derived = FairDice.dice(seed, f.clientSeed(), f.nonce());
            if (!derived.equals(f.roll())) {
                throw new Rejected.DiceMismatch("game " + cg.gameId() + ": roll " + index + " (client seed "
                        + f.clientSeed() + ", nonce " + f.nonce() + ") recorded " + f.roll() + ", the revealed seed gives "
                        + derived);
            }
            index++;
        }
    }

    private static void judgePlacement(GameState game, Command.PlaceBet b) {
        GameTable t = game.table();
        Optional<PlacementError> refused = t.validate(b.player(), b.betType(), b.point(), b.amount());
        if (refused.isPresent()) {
            PlacementError e = refused.get();
            throw new Rejected.BetNotAllowed(e.code().name(), bet(b.gameId(), b.betId(), b.betType().name(), b.point(),
                    b.amount()) + " by " + b.player() + " " + moment(t) + " is not allowed under " + t.rules().canonical()
                    + ": " + e.code() + ": " + e.message());
        }
    }

    private static void judgeRoll(GameState game, Command.RecordRoll r) {
        GameTable t = game.table();
        if (t.due().isEmpty()) {
            return;
        }
        List<Settlement> owed = t.dueSettlements();
        StringBuilder facts = new StringBuilder("game " + r.gameId() + ": roll " + t.state().rollCount() + " ("
                + r.die1() + "+" + r.die2() + ") while " + owed.size() + " bet(s) an earlier roll decided are unsettled"
                + " (the last roll: " + t.lastRoll() + "); settle them with the roll that decided them: ");
        int shown = 0;
        for (Settlement d : owed) {
            if (shown++ == 5) {
                facts.append(", …");
                break;
            }
            facts.append(shown > 1 ? ", " : "").append(d.betId()).append(' ').append(result(d.resolution()))
                    .append(" on roll ").append(d.resolution().rollIndex());
        }
        throw new Rejected.UnsettledBets(facts.toString());
    }

    private static void judgeSettlement(GameState game, Command.SettleBet st) {
        GameTable t = game.table();
        Settlement due = t.dueSettlement(st.betId());
        if (due != null) {
            Resolution want = due.resolution();
            if (st.outcome() != want.outcome() || st.winnings() != want.winnings()) {
                String dice = want.rollIndex() == t.state().rollCount() - 1 ? " (" + t.lastRoll() + ")" : "";
                throw new Rejected.WrongPayout(describe(st.gameId(), due.bet()) + " was " + decided(want) + " on roll "
                        + want.rollIndex() + dice + riding(want.point()) + " under "
                        + t.rules().canonical() + ": expected " + result(want) + ", given " + given(st));
            }
            return;
        }
        OpenBet open = t.openBet(st.betId());
        if (open != null && st.outcome() != Outcome.VOID) {
            throw new Rejected.EarlySettlement(describe(st.gameId(), open) + " is still open" + riding(open.point())
                    + " " + moment(t) + ": no roll has decided it; given " + given(st)
                    + " (only VOID takes down an undecided bet)");
        }
    }

    /** "before roll 3 (point 6)" or "before roll 0 (come-out, puck off)". */
    private static String moment(GameTable t) {
        TableState state = t.state();
        return "before roll " + state.rollCount() + " (" + (state.isComeOut() ? "come-out, puck off" : "point " + state.point())
                + (t.lastRoll() == null ? "" : ", last roll " + t.lastRoll()) + ")";
    }

    private static String describe(String gameId, OpenBet b) {
        return bet(gameId, b.betId(), b.type().name(), b.bet().point(), b.stake()) + " placed before roll " + b.placedAt();
    }

    /** "bet b3 of game g7 (PLACE 6, stake 12)". */
    private static String bet(String gameId, String betId, String type, Integer point, long stake) {
        return "bet " + betId + " of game " + gameId + " (" + type + (point == null ? "" : " " + point) + ", stake " + stake + ")";
    }

    private static String riding(Integer point) {
        return point == null ? "" : " riding on " + point;
    }

    private static String decided(Resolution r) {
        return switch (r.status()) {
            case WIN -> "won";
            case LOSE -> "lost";
            case PUSH -> "pushed";
            case OPEN -> "not decided";
        };
    }

    private static String result(Resolution r) {
        return r.status() == Resolution.Status.WIN ? "WIN " + r.winnings() : r.status().name();
    }

    private static String given(Command.SettleBet st) {
        return st.outcome() == Outcome.WIN ? "WIN " + st.winnings() : st.outcome().name();
    }

    private static GameState openGame(LedgerState s, String gameId, History history) {
        GameState game = s.game(gameId);
        if (game == null) {
            // the state holds open games only
            if (history.gameEverOpened(gameId)) {
                throw new Rejected.GameClosed(gameId);
            }
            throw new Rejected.UnknownGame(gameId);
        }
        return game;
    }

    private static void requireFunds(LedgerState s, Account account, long needed, History history) {
        if (!s.holds(account)) {
            // the state holds non-zero balances only: at zero, an account ever posted to is short of funds
            if (account.kind() == Account.Kind.HOUSE || history.accountEverPosted(account)) {
                throw new Rejected.InsufficientFunds(account, 0, needed);
            }
            throw new Rejected.UnknownAccount(account);
        }
        long balance = s.balance(account);
        if (balance < needed) {
            throw new Rejected.InsufficientFunds(account, balance, needed);
        }
    }

    private static void requireRoom(LedgerState s, Account account, long credit) {
        long balance = s.balance(account);
        if (balance > Limits.BALANCE_MAX - credit) {
            throw new Rejected.LimitExceeded(account + " would hold more than " + Limits.BALANCE_MAX + " chips");
        }
    }

    private static void requireWorldRoom(LedgerState s, long debit) {
        long world = s.balance(Account.WORLD);
        if (world < Long.MIN_VALUE / 2 + debit) {
            throw new Rejected.LimitExceeded("chips issued to the floor would exceed " + (Long.MAX_VALUE / 2));
        }
    }
}
