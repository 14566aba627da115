package io.bitcraps.ledger.audit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sorts an audit's findings into root causes and the follow-on problems they explain, so that one damaged row
 * reads as one finding and not as the thousand broken invariants that folding it caused downstream.
 * <p>
 * <b>The rule.</b> A finding is <em>evidence</em> when it is read off one row's own bytes or off the file, without
 * the books: a missing seq, a row that does not match its hash, a payload that does not decode, a row that cannot
 * be read, a query column that disagrees with the row's payload, and everything found outside the fold (head,
 * batch records, signatures, digests, SQLite's own check). Evidence is always a root cause, at its own seq; all
 * evidence about one row is one root cause. Every other finding is <em>derived</em> from the books (postings,
 * invariants, payouts, limits, the read model compared with the replay) and is a follow-on of a root cause
 * exactly when that root cause explains it:
 * <ul>
 *   <li>it was found while folding a row that is itself a root cause (the damaged row's own effect);</li>
 *   <li>or while folding a row that touches a game or player <em>tainted</em> by a root cause whose books were not
 *       resynchronised: the latest such root cause explains it;</li>
 *   <li>or, after the fold, it names such a tainted game or player (the read model's rows, unsettled bets);
 *       a finding about the books as a whole (a count of statement lines, of bets) goes to the earliest
 *       root cause whose books were not resynchronised.</li>
 * </ul>
 * Anything else is a root cause of its own: a rule broken by an intact row is a fact about that event.
 * <p>
 * <b>Taint.</b> A damaged row whose original the audit cannot recover taints the games and players it names (in
 * its payload as read, and in its stored columns); a row whose accounts or events are unknown altogether (a gap,
 * a row naming no game or player) taints everything after it. A row folded in a tainted game taints its player
 * too (the chips it moved came from a game whose books are off); a row of a tainted player does not taint its
 * game (its stake is its own). The house and world take part in every game: a taint through them would explain
 * everything and so nothing, and they are not tracked, so a house overdraft after a damaged row is its own root
 * cause. A damaged row the audit resynchronised past taints nothing: the books after it are the books of the intact
 * log. It resynchronises when one changed byte explains the row ({@link OneByteRepair}: the books fold the original),
 * and when the next row shows that only the row's stored hash changed (the next row's broken link is then a
 * follow-on of it).
 * <p>
 * Confined to the fold's thread. Bounded: {@value #KEPT} root causes and {@value #FOLLOW_ONS_KEPT} follow-ons per
 * root cause are kept (the counts go on); the taint is one map entry per tainted game or player, holding the
 * latest root cause that tainted it.
 */
final class RootCauses {
    static final int KEPT = RootCause.KEPT;
    static final int FOLLOW_ONS_KEPT = 100;
    /** The subject of a derived finding about the books as a whole. */
    static final String WHOLE_BOOKS = "*";

    private static final class Cause {
        final long seq;
        final long order;
        final List<Problem> problems = new ArrayList<>(2);
        final List<Problem> followOns = new ArrayList<>();
        long followOnCount;
        boolean resynchronised = true;
        String resync;
        /** Opened by a derived finding on an intact row, not by damage. */
        final boolean derived;
        /** What its own taint replaced when it was opened (a withdrawn taint puts them back); null if nothing. */
        Map<String, Cause> replaced;
        Cause replacedEverything;

        Cause(long seq, long order, boolean derived, String resync) {
            this.seq = seq;
            this.order = order;
            this.derived = derived;
            this.resync = resync;
        }

        void followOn(Problem p, RootCauses all) {
            if (followOns.size() < FOLLOW_ONS_KEPT) {
                followOns.add(p);
            }
            followOnCount++;
            all.followOns++;
        }

        RootCause toRecord() {
            return new RootCause(seq, problems, resynchronised, resync != null ? resync
                    : "found outside the fold of the events; later findings are not grouped under it", followOnCount, followOns);
        }
    }

    private final List<Cause> kept = new ArrayList<>();
    private long count;
    /** Each tainted game ("game:g") or player ("player:p"), with the latest unresynchronised root cause that tainted it. */
    private final Map<String, Cause> taint = new HashMap<>();
    /** The latest root cause that taints everything after it, or null. */
    private Cause everything;
    /** The earliest root cause whose books were not resynchronised, or null. */
    private Cause firstUnresolved;

    private boolean inRow;
    private long rowSeq;
    /** The games and players the row names, as given: at most two from its columns and two from its payload. */
    private final String[] rowNames = new String[8];
    private int rowNameCount;
    /** Built from {@link #rowNames} only when a taint is to be matched or laid: most audits never need it. */
    private final Set<String> rowEntities = new HashSet<>(8);
    private Cause rowCause;
    /** The root cause opened by damage at the row folded before this one, or null. */
    private Cause previousRowCause;
    private Cause rowExplainedBy;
    private boolean rowEntitiesKnown;

    /** The fold starts on a row; {@code game} and {@code player} are its stored columns (may be null). */
    void startRow(long seq, String game, String player) {
        inRow = true;
        rowSeq = seq;
        rowNameCount = 0;
        rowCause = null;
        rowExplainedBy = null;
        rowEntitiesKnown = false;
        names(game, player);
    }

    /** A game and a player the row names (either may be null): from its payload as decoded, or its columns. */
    void names(String game, String player) {
        if (game != null && rowNameCount < rowNames.length) {
            rowNames[rowNameCount++] = "game:";
            rowNames[rowNameCount++] = game;
        }
        if (player != null && rowNameCount < rowNames.length) {
            rowNames[rowNameCount++] = "player:";
            rowNames[rowNameCount++] = player;
        }
    }

    /**
     * Everything the row names is known (call before the books fold it): finds the latest unresynchronised root
     * cause whose taint the row touches, and spreads that taint from a game to the row's player.
     */
    void entitiesKnown() {
        if (rowEntitiesKnown) {
            return;
        }
        rowEntitiesKnown = true;
        if (taint.isEmpty()) {
            rowExplainedBy = everything; // nothing to match: the common case, with no allocation per row
            return;
        }
        buildRowEntities();
        Cause latest = everything;
        boolean viaGame = false;
        for (String e : rowEntities) {
            Cause c = taint.get(e);
            if (c != null && (latest == null || c.order > latest.order)) {
                latest = c;
            }
            viaGame |= c != null && e.startsWith("game:");
        }
        rowExplainedBy = latest;
        if (latest != null && latest != everything && viaGame) {
            for (String e : rowEntities) {
                Cause holder = taint.get(e);
                if (holder == null || holder.order < latest.order) {
                    taint.put(e, latest);
                }
            }
        }
    }

    /**
     * A finding read off a row's own bytes or off the file: a root cause at its seq (one per row). {@code aboutRow}:
     * it is about the row being folded (its hash, payload, columns), not about a record beside it (a batch record,
     * a signature, a digest): that is a follow-on of the row's root cause when the row is damaged (the record
     * disagrees with a row that changed), and a root cause of its own otherwise.
     */
    void evidence(Problem p, boolean aboutRow) {
        if (inRow && !aboutRow) {
            if (rowCause != null && !rowCause.derived && p.seq() == rowSeq) {
                rowCause.followOn(p, this);
                return;
            }
            open(p.seq(), false, "a record beside the events: the books do not depend on it").problems.add(p);
            return;
        }
        if (inRow) {
            if (rowCause == null || rowCause.derived) {
                Cause opened = open(p.seq(), false, null);
                if (rowCause != null) { // a rule the row broke is now explained by the row's own damage
                    rowCause.problems.forEach(p2 -> opened.followOn(p2, this));
                    discard(rowCause);
                }
                rowCause = opened;
            }
            rowCause.problems.add(p);
            return;
        }
        open(p.seq(), false, null).problems.add(p);
    }

    /**
     * A finding derived from the books. {@code subject} is the game or player it is about ("game:g", "player:p"),
     * {@link #WHOLE_BOOKS}, or null for "the row being folded" (only during the fold).
     */
    void derived(Problem p, String subject) {
        Cause explains = subject == null ? explainerOfRow() : explainerOf(subject);
        if (explains != null) {
            explains.followOn(p, this);
            return;
        }
        if (subject == null && inRow) {
            if (rowCause == null) {
                rowCause = open(p.seq(), true, "the event matches its hash: the books follow it as recorded,"
                        + " so nothing after it is explained by it");
            }
            rowCause.problems.add(p);
            return;
        }
        open(p.seq(), true, "nothing the audit found explains it").problems.add(p);
    }

    private Cause explainerOfRow() {
        if (!inRow) {
            return firstUnresolved;
        }
        if (rowCause != null && !rowCause.derived) {
            return rowCause;
        }
        entitiesKnown();
        return rowExplainedBy;
    }

    private Cause explainerOf(String subject) {
        if (subject.equals(WHOLE_BOOKS)) {
            return firstUnresolved;
        }
        Cause c = taint.get(subject);
        return everything != null && (c == null || everything.order > c.order) ? everything : c;
    }

    /**
     * The row is folded. {@code trusted}: the books folded what the writer wrote (the row matched its hash, or its
     * original was recovered); {@code how} says so, or why not, for the row's root cause if it has one.
     */
    void endRow(boolean trusted, String how) {
        entitiesKnown();
        previousRowCause = null;
        if (rowCause != null && !rowCause.derived && rowCause.seq == rowSeq) {
            rowCause.resync = how;
            if (!trusted) {
                buildRowEntities();
                unresolved(rowCause, rowEntities.isEmpty());
            }
            previousRowCause = rowCause;
        }
        inRow = false;
        rowCause = null;
        rowExplainedBy = null;
    }

    /**
     * The current row shows that the previous row's damage was its stored hash only (its content is as written):
     * that root cause is resynchronised after all, its taint withdrawn (no row was folded since), and {@code p},
     * the current row's broken link, is a follow-on of it.
     */
    void previousRowStoredHashAltered(Problem p, String how) {
        Cause c = previousRowCause;
        if (c == null || c.seq != rowSeq - 1) {
            throw new IllegalStateException("no root cause at seq " + (rowSeq - 1) + " to withdraw");
        }
        c.resynchronised = true;
        c.resync = how;
        taint.values().removeIf(holder -> holder == c);
        if (c.replaced != null) {
            taint.putAll(c.replaced);
        }
        if (everything == c) {
            everything = c.replacedEverything;
        }
        if (firstUnresolved == c) {
            firstUnresolved = null; // it was the earliest, and no later row has ended since
        }
        c.followOn(p, this);
    }

    /** The root cause at the current row (a gap before it) leaves everything after it unknown. */
    void rowLeavesEverythingUnknown(String how) {
        if (rowCause != null && !rowCause.derived) {
            rowCause.resync = how;
            unresolved(rowCause, true);
        }
    }

    private void buildRowEntities() {
        rowEntities.clear();
        for (int i = 0; i < rowNameCount; i += 2) {
            rowEntities.add(rowNames[i] + rowNames[i + 1]);
        }
    }

    private void unresolved(Cause c, boolean all) {
        c.resynchronised = false;
        if (firstUnresolved == null) {
            firstUnresolved = c;
        }
        if (all) {
            c.replacedEverything = everything;
            everything = c;
            return;
        }
        for (String e : rowEntities) {
            Cause before = taint.put(e, c);
            if (before != null) {
                if (c.replaced == null) {
                    c.replaced = new HashMap<>(4);
                }
                c.replaced.put(e, before);
            }
        }
    }

    private Cause open(long seq, boolean derived, String resync) {
        Cause c = new Cause(seq, count++, derived, resync);
        if (kept.size() < KEPT) {
            kept.add(c);
        }
        return c;
    }

    /** A cause opened by a rule the row broke, now explained by the row's own damage (its order is not reused). */
    private void discard(Cause c) {
        kept.remove(c);
        discarded++;
    }

    private long discarded;
    private long followOns;

    long count() {
        return count - discarded;
    }

    long followOnCount() {
        return followOns;
    }

    List<RootCause> causes() {
        List<RootCause> out = new ArrayList<>(kept.size());
        for (Cause c : kept) {
            out.add(c.toRecord());
        }
        return out;
    }
}
