package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.Posting;

import java.util.List;

/** What an event payload holds besides the seq and timestamp, which live in the frame. */
public record DecodedPayload(Command command, List<Posting> postings, String key, int submissionSize) {}
