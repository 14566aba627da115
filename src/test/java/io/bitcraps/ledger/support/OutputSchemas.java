package io.bitcraps.ledger.support;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates real output against the JSON Schemas under {@code schemas/} with a maintained validator
 * (networknt json-schema-validator, draft 2020-12), so a schema and the code that writes the output
 * cannot drift apart unnoticed.
 * <p>
 * Each document is loaded by its {@code $id}, which is {@value #ID_PREFIX} followed by its path in the
 * repository; the registry reads those ids from the working tree and fetches nothing from the network.
 * So a {@code $ref} from one document into another resolves to the file beside it, and a part of a
 * document ({@code #/$defs/...}) can be validated against on its own. {@code format} is asserted
 * (draft 2020-12 only annotates it by default): a {@code date-time} that is not RFC 3339 fails.
 * <p>
 * The validator follows the specification where the ledger's own parsers are stricter: {@code 5.0} is an
 * {@code integer} to JSON Schema, while {@code CommandLines} refuses a number with a fraction part.
 */
public final class OutputSchemas {
    /** What every document's {@code $id} starts with; the rest of the id is its path in the repository. */
    public static final String ID_PREFIX = "https://bitcraps.io/ledger/";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemas(OutputSchemas::localDocument)
                    .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private OutputSchemas() {}

    /** Every rule {@code value} breaks against the schema at {@code relativePath} (e.g. schemas/cli/health.schema.json). */
    public static List<String> errors(String relativePath, JsonNode value) {
        return errors(relativePath, "", value);
    }

    /**
     * Every rule {@code value} breaks against one part of a document: {@code fragment} is a JSON pointer
     * fragment such as {@code #/$defs/receipt}, or empty for the whole document.
     */
    public static List<String> errors(String relativePath, String fragment, JsonNode value) {
        if (!fragment.isEmpty() && !fragment.startsWith("#/")) {
            throw new IllegalArgumentException("a fragment is a JSON pointer such as #/$defs/x, got " + fragment);
        }
        Schema schema = LOADED.computeIfAbsent(relativePath + fragment,
                k -> REGISTRY.getSchema(SchemaLocation.of(ID_PREFIX + relativePath + fragment)));
        return schema.validate(value).stream().map(Object::toString).toList();
    }

    /** A schema document as a tree, for tests that check what the document itself says (its bounds, its names). */
    public static JsonNode read(String relativePath) {
        return JSON.readTree(text(relativePath));
    }

    /** The project directory: surefire sets {@code basedir}; failsafe and an IDE usually run in it. */
    public static Path baseDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    public static JsonMapper json() {
        return JSON;
    }

    /** The registry's only source of documents: an id under {@link #ID_PREFIX} is a file of this tree. */
    private static String localDocument(String iri) {
        if (!iri.startsWith(ID_PREFIX)) {
            return null; // not ours: the registry's own (the draft 2020-12 meta-schemas ship inside the library)
        }
        String relativePath = iri.substring(ID_PREFIX.length());
        String text = text(relativePath);
        String id = JSON.readTree(text).path("$id").stringValue();
        if (!iri.equals(id)) {
            // a copied file that kept another file's $id would be validated as that other document
            throw new IllegalStateException(relativePath + " declares $id " + id + ", not " + iri);
        }
        return text;
    }

    private static String text(String relativePath) {
        Path file = baseDir().resolve(relativePath);
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
