package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.BetType;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One game as the rulebook judges it, as an immutable value: the streaming form of {@link CrapsTable} for a
 * caller that must be able to go back to an earlier table for free. The ledger's writer holds one per open
 * game inside its persistent state, and a batch whose commit fails goes back to the committed state, tables
 * included, by a pointer move. Every change returns a new table that shares structure with the old one.
 * <p>
 * It holds the puck, the bets the rules accepted that no roll has decided yet ({@link #openBets()}), and the
 * bets a roll decided that have not been settled yet ({@link #dueSettlements()}), each with the result the
 * rulebook gives. A bet the rules refused is never held: its settlement cannot be judged. Rolls step the
 * open bets only, so a decided bet keeps the result of the roll that decided it however late it is settled.
 * <p>
 * Judges with the same code as {@link CrapsTable}: {@link Rulebook#step} for every bet and roll and
 * {@link CrapsTable#validate(TableRules, TableState, Collection, String, BetType, Integer, long)} for every
 * placement, so the two tables agree by construction (and the audit, which uses {@code CrapsTable}, is a
 * second implementation of the fold around the same rules, not a copy of this one).
 */
public record GameTable(TableRules rules, TableState state, Roll lastRoll,
                        PMap<String, OpenBet> open, PMap<String, Settlement> due,
                        String commitment, PVector<FairRoll> fairRolls) {

    /** A roll of a provably fair game: the client seed and nonce it names, and the dice recorded. */
    public record FairRoll(String clientSeed, long nonce, Roll roll) {}

    public GameTable {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(due, "due");
        Objects.requireNonNull(fairRolls, "fairRolls");
    }

    /** A new game under {@code rules}: puck off, no roll, no bet. */
    public static GameTable start(TableRules rules) {
        return start(rules, null);
    }

    /**
     * A new game under {@code rules}; with a {@code commitment} (the SHA-256 of its server seed, hex)
     * a provably fair one, whose rolls the table keeps with their client seeds and nonces until the
     * seed is revealed ({@link FairDice}).
     */
    public static GameTable start(TableRules rules, String commitment) {
        return new GameTable(rules, TableState.START, null, HashTreePMap.empty(), HashTreePMap.empty(), commitment,
                TreePVector.empty());
    }

    /** True for a provably fair game. */
    public boolean isFair() {
        return commitment != null;
    }


    /** Whether {@code player} may place this bet now, as {@link CrapsTable#validate}. Empty when they may. */
    public Optional<PlacementError> validate(String player, BetType type, Integer point, long stake) {
        return CrapsTable.validate(rules, state, open.values(), player, type, point, stake);
    }

    /** The table with the bet placed; the caller has checked it with {@link #validate}. */
    public GameTable place(String betId, String player, BetType type, Integer point, long stake) {
        OpenBet bet = new OpenBet(betId, player, new Bet(type, point, stake, state.rollCount()),
                Rulebook.effectivePoint(state, type, point));
        return new GameTable(rules, state, lastRoll, open.plus(betId, bet), due, commitment, fairRolls);
    }

    /** The table after {@code roll}: the open bets it decides become due, with their results; the puck moves. */
    public GameTable roll(Roll roll) {
        return roll(roll, null, 0);
    }

    /** As {@link #roll(Roll)}; in a fair game the roll is kept with the client seed and nonce it names. */
    public GameTable roll(Roll roll, String clientSeed, long nonce) {
        Objects.requireNonNull(roll, "roll");
        int index = state.rollCount();
        PMap<String, OpenBet> stillOpen = open;
        PMap<String, Settlement> nowDue = due;
        for (OpenBet bet : open.values()) {
            int point = bet.point() == null ? 0 : bet.point();
            Rulebook.Step step = Rulebook.step(rules, bet.type(), point, bet.stake(), state, roll);
            if (step.status() == Resolution.Status.OPEN) {
                if (step.point() != point) {
                    stillOpen = stillOpen.plus(bet.betId(), bet.withPoint(step.point()));
                }
            } else {
                stillOpen = stillOpen.minus(bet.betId());
                nowDue = nowDue.plus(bet.betId(), new Settlement(bet, step.resolution(index)));
            }
        }
        PVector<FairRoll> kept = isFair() && clientSeed != null ? fairRolls.plus(new FairRoll(clientSeed, nonce, roll)) : fairRolls;
        return new GameTable(rules, state.next(roll), roll, stillOpen, nowDue, commitment, kept);
    }

    /** The table without the bet (settled or voided): it leaves whichever set holds it. */
    public GameTable settled(String betId) {
        if (!open.containsKey(betId) && !due.containsKey(betId)) {
            return this;
        }
        return new GameTable(rules, state, lastRoll, open.minus(betId), due.minus(betId), commitment, fairRolls);
    }

    /** The result a roll decided for the bet, or null if no roll decided it (or the table does not hold it). */
    public Settlement dueSettlement(String betId) {
        return due.get(betId);
    }

    /** The bet while no roll has decided it, or null. */
    public OpenBet openBet(String betId) {
        return open.get(betId);
    }

    /** True if the table judges this bet: the rules accepted it and it is not settled. */
    public boolean holds(String betId) {
        return open.containsKey(betId) || due.containsKey(betId);
    }

    public Collection<OpenBet> openBets() {
        return open.values();
    }

    /** The bets decided and not settled, by bet id (a stable order for messages and tests). */
    public List<Settlement> dueSettlements() {
        List<Settlement> list = new ArrayList<>(due.values());
        list.sort(Comparator.comparing(Settlement::betId));
        return list;
    }
}
