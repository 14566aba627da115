package io.bitcraps.ledger.audit;

/** Every kind of problem the audit reports; each says what it means for the books. */
public enum ProblemKind {
    /** A seq is missing: the rows from that seq are gone (deleted, or the file lost them). */
    SEQ_GAP("seqs are missing from the log"),
    /** A row's hash does not follow from the previous row's stored hash and its own frame: the row was edited, swapped or forged. */
    CHAIN_BREAK("the row does not match its hash: edited, swapped or forged"),
    /** A payload that does not decode strictly. */
    UNDECODABLE("the payload does not decode"),
    /** A query column (game, player, bet, amount, key) disagrees with the payload it was copied from. */
    COLUMN_MISMATCH("a query column disagrees with the authoritative payload"),
    /** The postings of an event do not sum to zero (I1). */
    UNBALANCED_POSTINGS("postings do not sum to zero"),
    /** The postings are not the ones the command implies (wrong account or amount). */
    WRONG_POSTINGS("postings do not match the command"),
    /** A rule or invariant is broken at this seq: overdraft, bet settled twice or in another game, game closed with open bets, escrow not equal to open stakes, time going backwards. */
    INVARIANT_BROKEN("a ledger invariant is broken"),
    /** The stored read model disagrees with a replay of the log from zero (I6). */
    PROJECTION_MISMATCH("the read model disagrees with a replay of the log"),
    /** The head row (or the read model's head) does not name the last event. */
    HEAD_MISMATCH("the head row does not match the log"),
    /** A batch record is inconsistent with the log (not contiguous, or its head hash is not the row's). */
    BATCH_MISMATCH("a batch record does not match the log"),
    /** A signed head does not verify with the key, or a head that should be signed is not: history was rewritten at or before that seq. */
    HISTORY_REWRITTEN("the log no longer matches a head signed with the HMAC key or saved in a digest"),
    /** The log ends before a seq that a saved digest or signed head vouches for. */
    TRUNCATED("the log is shorter than a digest or signed head says it was"),
    /** The digest belongs to another ledger, or its own signature does not verify. */
    DIGEST_INVALID("the digest does not belong to this ledger or does not verify"),
    /**
     * A settlement pays other than the rulebook says for the roll that decided the bet, under the table rules its
     * game recorded: another outcome (WIN, LOSE, PUSH) or other winnings.
     */
    WRONG_PAYOUT("a settlement pays other than the rulebook says for the roll that decided the bet"),
    /** A WIN, LOSE or PUSH of a bet that the rolls so far have not decided (a VOID, taking the bet down, is allowed). */
    EARLY_SETTLEMENT("a bet was settled before any roll decided it"),
    /** A settlement recorded after a later roll of its game than the one that decided the bet. */
    LATE_SETTLEMENT("a bet was settled after a later roll than the one that decided it"),
    /**
     * A bet a roll decided was never settled with that result: it was voided instead, or it was still unsettled
     * when its game closed or when the log ends. The seq is the deciding roll's (a void's own seq when voided).
     */
    MISSING_SETTLEMENT("a bet a roll decided was never settled with that result"),
    /**
     * A bet placed when the game's recorded rules refuse it, given the dice so far: the wrong moment for the puck, a
     * number the bet cannot name, a stake outside the table limits or too small to win a chip, odds without the
     * player's flat bet or beyond the table's odds multiple. Its settlements are not judged.
     */
    BET_NOT_ALLOWED("a bet was placed that the table rules refuse"),
    /** A game records table rules the rulebook cannot read (the writer refuses them), so its payouts cannot be verified. */
    UNKNOWN_RULES("a game records table rules the rulebook cannot read"),
    /** A provably fair game was closed with a server seed that does not hash to the commitment made at its opening. */
    SEED_MISMATCH("a fair game's revealed seed does not match its commitment"),
    /** A roll of a provably fair game recorded other dice than its seed, client seed and nonce derive (or named no seed). */
    DICE_MISMATCH("a fair game's roll is not the one its seeds derive"),
    /**
     * A roll of a provably fair game whose nonce is not its roll number (from 0), or whose client seed is not the one
     * of the game's first roll: with either free, the house could have tried values until the dice suited it.
     */
    NONCE_NOT_IN_ORDER("a fair game's roll skips or repeats a nonce, or changes its client seed"),
    /** A provably fair game opened with the commitment of an earlier one: the seed one close reveals gives the other's dice. */
    COMMITMENT_REUSED("a fair game reuses another's commitment, so its dice were predictable"),
    /** A provably fair game was closed without revealing its server seed: its dice cannot be checked. */
    SEED_NOT_REVEALED("a fair game closed without revealing its seed"),
    /**
     * A deposit or bet committed although the player's own protection refused it at its timestamp: a deposit or
     * loss limit exceeded, a stake over the player's maximum, play during a cool-off or self-exclusion, or an
     * exclusion shortened.
     */
    LIMIT_BROKEN("a deposit or bet broke a limit or exclusion the player had set"),
    /** SQLite itself reports damage, or the file cannot be read as a ledger. */
    STORAGE_CORRUPT("the database file is damaged or unreadable");

    private final String meaning;

    ProblemKind(String meaning) {
        this.meaning = meaning;
    }

    public String meaning() {
        return meaning;
    }
}
