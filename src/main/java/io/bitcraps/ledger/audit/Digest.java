package io.bitcraps.ledger.audit;

import io.bitcraps.ledger.codec.HeadSigner;
import io.bitcraps.ledger.internal.Hex;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.StringWriter;
import java.time.Instant;

/**
 * A small statement an auditor keeps outside the machine: this ledger had this head at this seq.
 * A later audit with the digest proves the log still extends it (catching truncation and a
 * rewritten history). With a key the digest carries an HMAC of the head, so it cannot be forged
 * either; {@code keyId} names the key (a fingerprint, not the key).
 */
public record Digest(String ledgerId, long seq, String headHash, String time, String hmac, String keyId) {

    public static Digest of(String ledgerId, long seq, byte[] headHash, HeadSigner signer) {
        String hmac = signer == null ? null : Hex.of(signer.sign(seq, headHash));
        return new Digest(ledgerId, seq, Hex.of(headHash), Instant.now().toString(), hmac,
                signer == null ? null : signer.keyId());
    }

    public String toJson() {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeStringProperty("ledgerId", ledgerId);
            g.writeNumberProperty("seq", seq);
            g.writeStringProperty("headHash", headHash);
            g.writeStringProperty("time", time);
            if (hmac != null) {
                g.writeStringProperty("hmac", hmac);
                g.writeStringProperty("keyId", keyId);
            }
            g.writeEndObject();
        }
        return w.toString();
    }

    /** The head row of a ledger file disagrees with the event at its seq: the file needs an audit, not a digest. */
    public static final class HeadDisagrees extends RuntimeException {
        public HeadDisagrees(String message) {
            super(message);
        }
    }

    /**
     * The digest of a ledger file's head, read-only (safe beside a running writer), signed with the HMAC key in
     * {@code keyFile} when there is one. Refuses an empty ledger (nothing to vouch for) and a head row that is not
     * the event at its seq ({@link HeadDisagrees}).
     */
    public static Digest ofFile(java.nio.file.Path db, java.nio.file.Path keyFile) throws java.sql.SQLException,
            java.io.IOException {
        byte[] key = keyFile == null ? null : HeadSigner.readKey(keyFile);
        try (java.sql.Connection conn = io.bitcraps.ledger.store.LedgerDatabase.openReadOnly(db)) {
            conn.setAutoCommit(false);
            try {
                io.bitcraps.ledger.store.Head head = io.bitcraps.ledger.store.EventReader.head(conn);
                if (head.seq() == 0) {
                    throw new IllegalStateException(db + " holds no events yet; nothing to vouch for");
                }
                byte[] last = io.bitcraps.ledger.store.EventReader.hashAt(conn, head.seq());
                if (!java.util.Arrays.equals(last, head.hash())) {
                    throw new HeadDisagrees("the head row does not match the event at seq " + head.seq()
                            + "; run tools/ledger audit " + db);
                }
                String ledgerId = io.bitcraps.ledger.store.LedgerDatabase.ledgerId(conn);
                return of(ledgerId, head.seq(), head.hash(), key == null ? null : new HeadSigner(key, ledgerId));
            } finally {
                conn.rollback();
            }
        }
    }

    public static Digest parse(String json) {
        JsonNode n = JsonMapper.shared().readTree(json);
        if (n == null || !n.isObject() || !n.has("ledgerId") || !n.has("seq") || !n.has("headHash")) {
            throw new IllegalArgumentException("not a ledger digest: needs ledgerId, seq and headHash");
        }
        return new Digest(n.get("ledgerId").stringValue(), n.get("seq").longValue(), n.get("headHash").stringValue(),
                n.has("time") ? n.get("time").stringValue() : null,
                n.has("hmac") ? n.get("hmac").stringValue() : null,
                n.has("keyId") ? n.get("keyId").stringValue() : null);
    }
}
