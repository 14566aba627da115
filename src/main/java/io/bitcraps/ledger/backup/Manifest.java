package io.bitcraps.ledger.backup;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.StringWriter;

/**
 * The JSON that sits beside every backup ({@code <backup>.manifest.json}): what the backup holds
 * (ledger id, seq, head hash, schema version), the file's SHA-256, when it was taken, and, when
 * the ledger has a key, an HMAC of (seq, head hash) so that a backup cannot be swapped for a
 * forged one that also fits its manifest. {@code database} is the absolute path of the database the
 * backup was taken from (null in manifests written before it was recorded): where that file has
 * gone missing, the backup is evidence that a ledger existed there (see {@code Ledger.open}).
 */
public record Manifest(String file, String ledgerId, long seq, String headHash, String hmac, String keyId, String sha256,
                       long bytes, int schemaVersion, String createdAt, String database, long viewsSeq,
                       String viewsSha256, BackupBooks books) {

    /** {@code viewsSeq} of a backup without a views file. */
    public static final long NO_VIEWS = -1;

    /** A manifest of a backup without a views file. */
    public Manifest(String file, String ledgerId, long seq, String headHash, String hmac, String keyId, String sha256,
                    long bytes, int schemaVersion, String createdAt, String database) {
        this(file, ledgerId, seq, headHash, hmac, keyId, sha256, bytes, schemaVersion, createdAt, database, NO_VIEWS, null, null);
    }

    /** The views file beside a backup: {@code <backup>.views}. */
    public static String viewsFileNameFor(String backupFile) {
        return backupFile + ".views";
    }

    /** True when the backup carries the views file of its ledger, as of {@link #viewsSeq}. */
    public boolean hasViews() {
        return viewsSeq >= 0;
    }

    public static String fileNameFor(String backupFile) {
        return backupFile + ".manifest.json";
    }

    public String toJson() {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeStringProperty("file", file);
            g.writeStringProperty("ledgerId", ledgerId);
            g.writeNumberProperty("seq", seq);
            g.writeStringProperty("headHash", headHash);
            if (hmac != null) {
                g.writeStringProperty("hmac", hmac);
                g.writeStringProperty("keyId", keyId);
            }
            g.writeStringProperty("sha256", sha256);
            g.writeNumberProperty("bytes", bytes);
            g.writeNumberProperty("schemaVersion", schemaVersion);
            g.writeStringProperty("createdAt", createdAt);
            if (database != null) {
                g.writeStringProperty("database", database);
            }
            if (hasViews()) {
                g.writeNumberProperty("viewsSeq", viewsSeq);
                g.writeStringProperty("viewsSha256", viewsSha256);
            }
            if (books != null) {
                g.writeName("books");
                g.writeStartObject();
                g.writeNumberProperty("accounts", books.accounts());
                g.writeNumberProperty("world", books.world());
                g.writeNumberProperty("house", books.house());
                g.writeNumberProperty("players", books.players());
                g.writeNumberProperty("escrow", books.escrow());
                g.writeStringProperty("balancesSha256", books.balancesSha256());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return w.toString();
    }

    public static Manifest parse(String json) {
        JsonNode n = JsonMapper.shared().readTree(json);
        for (String field : new String[]{"file", "ledgerId", "seq", "headHash", "sha256", "bytes", "schemaVersion", "createdAt"}) {
            if (n == null || !n.has(field)) {
                throw new IllegalArgumentException("manifest lacks \"" + field + "\"");
            }
        }
        return new Manifest(n.get("file").stringValue(), n.get("ledgerId").stringValue(), n.get("seq").longValue(),
                n.get("headHash").stringValue(), n.has("hmac") ? n.get("hmac").stringValue() : null,
                n.has("keyId") ? n.get("keyId").stringValue() : null, n.get("sha256").stringValue(), n.get("bytes").longValue(),
                n.get("schemaVersion").intValue(), n.get("createdAt").stringValue(),
                n.has("database") ? n.get("database").stringValue() : null,
                n.has("viewsSeq") ? n.get("viewsSeq").longValue() : NO_VIEWS,
                n.has("viewsSha256") ? n.get("viewsSha256").stringValue() : null,
                n.has("books") ? new BackupBooks(n.get("books").get("accounts").longValue(), n.get("books").get("world").longValue(),
                        n.get("books").get("house").longValue(), n.get("books").get("players").longValue(),
                        n.get("books").get("escrow").longValue(), n.get("books").get("balancesSha256").stringValue()) : null);
    }
}
