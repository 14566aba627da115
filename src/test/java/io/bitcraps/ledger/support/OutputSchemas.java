package io.bitcraps.ledger.support;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates real output against the JSON Schemas under {@code schemas/} with a maintained validator
 * (networknt json-schema-validator, draft 2020-12), so a schema and the code that writes the output
 * cannot drift apart unnoticed.
 */
public final class OutputSchemas {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private OutputSchemas() {}

    /** Every rule {@code value} breaks against the schema at {@code relativePath} (e.g. schemas/cli/health.schema.json). */
    public static List<String> errors(String relativePath, JsonNode value) {
        Schema schema = LOADED.computeIfAbsent(relativePath, p -> {
            try {
                return REGISTRY.getSchema(Files.readString(JsonSchemaCheck.baseDir().resolve(p)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return schema.validate(value).stream().map(Object::toString).toList();
    }
}
