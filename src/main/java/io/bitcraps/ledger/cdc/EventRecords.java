package io.bitcraps.ledger.cdc;

import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.internal.Hex;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.store.EventRow;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * One committed event as a Kafka record's value: UTF-8 JSON ({@code schemas/cdc/event-record.schema.json}),
 * the export's fields for people and programs (seq, time, type, the command's fields, key, group,
 * postings, chain hash) and what a replica needs to rebuild the log byte for byte: the ledger id, the
 * event's epoch, the exact Smile payload (base64), the timestamp in microseconds, and its batch's
 * bounds, commit time and, on the batch's last event, its HMAC.
 * <p>
 * Rendering is deterministic (fixed field order, one way to write each value), so a reader checks a
 * record by rendering it again from its payload and comparing the bytes: a record whose readable
 * event fields were altered, or whose payload no longer matches them, does not render to itself.
 * The envelope and batch fields render as given; the standby checks the ledger id, epoch, seq and
 * batch bounds against the record's key and headers, the seq and payload against the hash chain,
 * and the batch's HMAC with the key. The commit time is for lag reports only: nothing vouches for it.
 */
public final class EventRecords {
    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private EventRecords() {}

    /** An event as a record carries it, with the batch it was committed in. */
    public record Record(String ledgerId, long epoch, EventRow row, long batchFirst, long batchLast, long committedTsMicros,
                         byte[] batchHmac) {}

    /** The value of {@code r}'s record; {@code event} is its row decoded. */
    public static byte[] render(Record r, LedgerEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeStringProperty("ledger", r.ledgerId());
            g.writeNumberProperty("epoch", r.epoch());
            g.writeNumberProperty("seq", event.seq());
            g.writeStringProperty("ts", Instant.EPOCH.plusNanos(event.timestampMicros() * 1000).toString());
            g.writeNumberProperty("ts_micros", event.timestampMicros());
            g.writeStringProperty("type", event.type().name());
            PayloadCodec.writeCommandFields(g, event.command());
            if (event.key() != null) {
                g.writeStringProperty("key", event.key());
            }
            if (event.submissionSize() > 1) {
                g.writeNumberProperty("group", event.submissionSize());
            }
            g.writeName("postings");
            g.writeStartArray();
            for (Posting p : event.postings()) {
                g.writeStartObject();
                g.writeStringProperty("account", p.account().key());
                g.writeNumberProperty("delta", p.delta());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringProperty("hash", Hex.of(r.row().hash()));
            g.writeStringProperty("payload", Base64.getEncoder().encodeToString(r.row().payload()));
            g.writeNumberProperty("batch_first", r.batchFirst());
            g.writeNumberProperty("batch_last", r.batchLast());
            g.writeNumberProperty("committed_ts_micros", r.committedTsMicros());
            if (r.batchHmac() != null) {
                g.writeStringProperty("batch_hmac", Hex.of(r.batchHmac()));
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** A record value that is not one this format describes, or that does not render to itself. */
    public static final class BadRecord extends Exception {
        public BadRecord(String message) {
            super(message);
        }
    }

    /**
     * Reads a record value back, checking that it renders to exactly these bytes: its readable fields are those of
     * its payload, and nothing was added, removed or reordered.
     */
    public static Record parse(byte[] value, PayloadCodec codec) throws BadRecord {
        JsonNode n;
        try {
            n = MAPPER.readTree(value);
        } catch (RuntimeException e) {
            throw new BadRecord("the value is not JSON: " + e.getMessage());
        }
        try {
            String ledger = text(n, "ledger");
            long seq = number(n, "seq");
            long ts = number(n, "ts_micros");
            EventType type = EventType.valueOf(text(n, "type"));
            byte[] payload = Base64.getDecoder().decode(text(n, "payload"));
            byte[] hash = Hex.parse(text(n, "hash"));
            JsonNode hmac = n.get("batch_hmac");
            EventRow bare = new EventRow(seq, ts, type.code(), null, null, null, null, null, payload, hash);
            LedgerEvent event = StoredEvents.decode(codec, bare);
            Record r = new Record(ledger, number(n, "epoch"), bare, number(n, "batch_first"), number(n, "batch_last"),
                    number(n, "committed_ts_micros"), hmac == null ? null : Hex.parse(hmac.asString()));
            if (!Arrays.equals(render(r, event), value)) {
                throw new BadRecord("seq " + seq + ": the record does not render to itself from its payload (a field was"
                        + " altered, added or removed)");
            }
            return r;
        } catch (BadRecord e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadRecord("the record does not hold a valid event: " + e.getMessage());
        }
    }

    /** The value as text, for messages. */
    public static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    private static String text(JsonNode n, String field) throws BadRecord {
        JsonNode v = n.get(field);
        if (v == null || !v.isString()) {
            throw new BadRecord("field \"" + field + "\" is missing or not a string");
        }
        return v.asString();
    }

    private static long number(JsonNode n, String field) throws BadRecord {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new BadRecord("field \"" + field + "\" is missing or not a whole number");
        }
        return v.longValue();
    }
}
