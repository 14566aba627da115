package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Posting;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Events of every type as the writer would log them: the postings follow the writer's rules
 * (world → player on a deposit, stake → escrow on a bet, …), and each type appears plain, with an
 * idempotency key, and as the first event of an atomic group, so that every optional payload
 * field is exercised. Values sit on the domain's bounds where there are bounds.
 */
public final class SampleEvents {
    private SampleEvents() {}

    static final String LONGEST_ID = "p".repeat(Limits.ID_LENGTH_MAX);
    static final String LONGEST_KEY = "k".repeat(Limits.IDEMPOTENCY_KEY_LENGTH_MAX);

    /** Every sample, grouped by event type, in a stable order. */
    static Map<EventType, List<LedgerEvent>> byType() {
        Map<EventType, List<LedgerEvent>> out = new EnumMap<>(EventType.class);
        for (LedgerEvent e : all()) {
            out.computeIfAbsent(e.type(), t -> new ArrayList<>()).add(e);
        }
        return out;
    }

    public static List<LedgerEvent> all() {
        List<LedgerEvent> out = new ArrayList<>();
        long seq = 1;
        for (Sample s : commands()) {
            // plain, keyed, first of a small group, first of the largest group, keyed first of a group
            out.add(new LedgerEvent(seq++, 1_700_000_000_000_000L + seq, s.command, s.postings, null, 1));
            out.add(new LedgerEvent(seq++, 1_700_000_000_000_000L + seq, s.command, s.postings, "till-7-" + seq, 1));
            out.add(new LedgerEvent(seq++, 1_700_000_000_000_000L + seq, s.command, s.postings, null, 2));
            out.add(new LedgerEvent(seq++, 1_700_000_000_000_000L + seq, s.command, s.postings, null,
                    Limits.ATOMIC_COMMANDS_MAX));
            out.add(new LedgerEvent(seq++, 1_700_000_000_000_000L + seq, s.command, s.postings, LONGEST_KEY, 3));
        }
        return out;
    }

    /** One event per command type and interesting variant: plain, not keyed, not grouped. */
    static List<LedgerEvent> plain() {
        List<LedgerEvent> out = new ArrayList<>();
        long seq = 1;
        for (Sample s : commands()) {
            out.add(new LedgerEvent(seq, seq * 1_000, s.command, s.postings, null, 1));
            seq++;
        }
        return out;
    }

    private record Sample(Command command, List<Posting> postings) {}

    private static List<Sample> commands() {
        List<Sample> out = new ArrayList<>();
        Account alice = Account.player("alice");
        Account escrow = Account.escrow("g-1001");

        out.add(new Sample(new Command.Deposit("alice", 5_000, "cashier-7 ticket 991"),
                List.of(new Posting(Account.WORLD, -5_000), new Posting(alice, 5_000))));
        out.add(new Sample(new Command.Deposit(LONGEST_ID, Limits.AMOUNT_MAX, "x".repeat(Limits.REFERENCE_LENGTH_MAX)),
                List.of(new Posting(Account.WORLD, -Limits.AMOUNT_MAX), new Posting(Account.player(LONGEST_ID), Limits.AMOUNT_MAX))));
        out.add(new Sample(new Command.Withdraw("alice", 1, "cage-2 payout"),
                List.of(new Posting(alice, -1), new Posting(Account.WORLD, 1))));
        out.add(new Sample(new Command.FundHouse(10_000_000, "bankroll top-up"),
                List.of(new Posting(Account.WORLD, -10_000_000), new Posting(Account.HOUSE, 10_000_000))));
        out.add(new Sample(new Command.OpenGame("g-1001", "table-3"), List.of()));

        out.add(new Sample(new Command.PlaceBet("g-1001", "b-1", "alice", BetType.PASS_LINE, null, 100),
                List.of(new Posting(alice, -100), new Posting(escrow, 100))));
        out.add(new Sample(new Command.PlaceBet("g-1001", "b-2", "alice", BetType.PLACE, 6, 60),
                List.of(new Posting(alice, -60), new Posting(escrow, 60))));
        out.add(new Sample(new Command.PlaceBet("g-1001", "b-3", "alice", BetType.HARDWAY, 10, 5),
                List.of(new Posting(alice, -5), new Posting(escrow, 5))));
        out.add(new Sample(new Command.PlaceBet("g-1001", "b-4", "alice", BetType.PASS_ODDS, null, 200),
                List.of(new Posting(alice, -200), new Posting(escrow, 200))));

        out.add(new Sample(new Command.RecordRoll("g-1001", 1, 6), List.of()));
        out.add(new Sample(new Command.RecordRoll("g-1001", 6, 1), List.of()));

        out.add(new Sample(new Command.SettleBet("g-1001", "b-1", Outcome.WIN, 100),
                List.of(new Posting(escrow, -100), new Posting(Account.HOUSE, -100), new Posting(alice, 200))));
        out.add(new Sample(new Command.SettleBet("g-1001", "b-2", Outcome.WIN, Limits.WINNINGS_MAX),
                List.of(new Posting(escrow, -60), new Posting(Account.HOUSE, -Limits.WINNINGS_MAX),
                        new Posting(alice, 60 + Limits.WINNINGS_MAX))));
        out.add(new Sample(new Command.SettleBet("g-1001", "b-3", Outcome.LOSE, 0),
                List.of(new Posting(escrow, -5), new Posting(Account.HOUSE, 5))));
        out.add(new Sample(new Command.SettleBet("g-1001", "b-4", Outcome.PUSH, 0),
                List.of(new Posting(escrow, -200), new Posting(alice, 200))));
        out.add(new Sample(new Command.SettleBet("g-1001", "b-5", Outcome.VOID, 0),
                List.of(new Posting(escrow, -1), new Posting(alice, 1))));

        out.add(new Sample(new Command.CloseGame("g-1001"), List.of()));
        // a provably fair game (docs/fairness.md's worked example): commitment, seeded rolls, the seed revealed
        out.add(new Sample(new Command.OpenGame("g-fair", "table-3", Command.OpenGame.STANDARD_RULES,
                "7e2fd5891809508f6bdbc7de00736ab09782f9f9426bd27eff34d93d6747deba"), List.of()));
        out.add(new Sample(new Command.RecordRoll("g-fair", 5, 3, false, "player-lucky-7", 132L), List.of()));
        out.add(new Sample(new Command.CloseGame("g-fair", "7f3c1e9a0b2d4c6e8f1a3b5c7d9e0f21436587a9cbed0f1032547698badcfe10"),
                List.of()));
        out.add(new Sample(new Command.StartEpoch(1, "promoted from standby"), List.of()));
        out.add(new Sample(new Command.StartEpoch(Long.MAX_VALUE / 2, "x".repeat(Limits.REFERENCE_LENGTH_MAX)), List.of()));
        // player protection: every limit, none, the largest; both kinds of exclusion at their bounds
        out.add(new Sample(new Command.SetLimits("alice", 500L, 2_000L, 5_000L, 300L, 100L), List.of()));
        out.add(new Sample(new Command.SetLimits("alice", null, null, null, null, null), List.of()));
        out.add(new Sample(new Command.SetLimits(LONGEST_ID, Limits.BALANCE_MAX, 1L, null, Limits.BALANCE_MAX, 1L),
                List.of()));
        out.add(new Sample(new Command.SelfExclude("alice", io.bitcraps.ledger.domain.Exclusion.COOL_OFF,
                Limits.COOL_OFF_HOURS_MIN), List.of()));
        out.add(new Sample(new Command.SelfExclude(LONGEST_ID, io.bitcraps.ledger.domain.Exclusion.SELF_EXCLUSION,
                Limits.SELF_EXCLUSION_HOURS_MAX), List.of()));
        return out;
    }
}
