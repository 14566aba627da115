package io.bitcraps.ledger.audit;

import java.util.List;

/**
 * What an audit found. {@code intact} is true only when no problem was found over the whole log
 * up to {@code snapshotSeq}. {@code problemCount} may exceed {@code problems.size()}: the list
 * keeps the first {@link Auditor#PROBLEMS_KEPT}. The series feed the HTML report's charts.
 * {@code payoutsVerified} says whether every game was re-played through the craps rulebook (a full audit of a
 * readable log only); then {@code settlementsVerified} settlements of {@code gamesVerified} games were judged,
 * and every die of {@code fairGamesVerified} provably fair games (closed, their seeds revealed) re-derived; and
 * {@code limitChecks} deposits and bets of the {@code protectedPlayers} players who set limits or excluded themselves
 * were judged against the protection in force at their time.
 * {@code rootCauses} sorts the problems (see {@link RootCauses} for the rule): each root cause with the problems
 * that name it and the follow-on problems it explains; every problem is either in one root cause's
 * {@code problems} or counted in one root cause's {@code followOnCount}; {@code followOnProblemCount} counts them
 * all, so {@code problemCount - followOnProblemCount} problems name root causes. {@code rootCauseCount} may exceed
 * {@code rootCauses.size()}: the first {@link RootCause#KEPT} are kept.
 * {@code views} says what became of the views file beside the database (the read model of the
 * log-first commit): "none", compared with the replay at its watermark, or why it was not compared.
 */
public record AuditReport(String database, String ledgerId, boolean intact, long events, long fromSeq, long toSeq,
                          long headSeq, String headHash, long snapshotSeq, long batches, long signedBatches,
                          int accounts, long balanceSum, boolean projectionsCompared, String views, boolean payoutsVerified,
                          long settlementsVerified, long gamesVerified, long fairGamesVerified,
                          int protectedPlayers, long limitChecks, long elapsedNanos,
                          List<Problem> problems, long problemCount, List<RootCause> rootCauses, long rootCauseCount,
                          long followOnProblemCount, Series series) {

    public AuditReport {
        problems = List.copyOf(problems);
        rootCauses = List.copyOf(rootCauses);
    }

    public double eventsPerSecond() {
        return elapsedNanos == 0 ? 0 : events / (elapsedNanos / 1e9);
    }

    /** Sampled values over the log: house balance and chips in play (escrow) by seq, events per batch. */
    public record Series(long[] seqs, long[] house, long[] inPlay, long[] batchEnds, long[] batchSizes) {
        public static final Series EMPTY = new Series(new long[0], new long[0], new long[0], new long[0], new long[0]);
    }
}
