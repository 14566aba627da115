package io.bitcraps.ledger.support;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A deliberately small JSON Schema (draft 2020-12) checker for the schema documents in
 * {@code schemas/}, so that the tests can prove the documents match the code without a new
 * dependency. It knows the keywords those documents use and nothing more: a document that uses
 * any other keyword makes the checker throw rather than silently ignore a rule it cannot check.
 * <p>
 * One deliberate strictness: {@code "type": "integer"} accepts only numbers written without a
 * fraction or exponent, because that is what the ledger's parsers accept.
 */
public final class JsonSchemaCheck {
    /** Keywords that only annotate; they never make a value invalid. */
    private static final Set<String> ANNOTATIONS = Set.of(
            "$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JsonNode root;
    private final Map<String, Pattern> patterns = new HashMap<>();

    public JsonSchemaCheck(JsonNode root) {
        this.root = root;
    }

    /** Reads a schema document from the repository, relative to the Maven base directory. */
    public static JsonNode read(String relativePath) {
        Path file = baseDir().resolve(relativePath);
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The project directory: surefire sets {@code basedir}; an IDE usually runs in it. */
    public static Path baseDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    public static JsonMapper json() {
        return JSON;
    }

    public JsonNode root() {
        return root;
    }

    /** Follows a local reference such as {@code #/$defs/id}. */
    public JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalArgumentException("only local references are supported, got " + ref);
        }
        JsonNode node = root;
        for (String part : ref.substring(2).split("/")) {
            node = node.get(part.replace("~1", "/").replace("~0", "~"));
            if (node == null) {
                throw new IllegalArgumentException("reference " + ref + " points nowhere");
            }
        }
        return node;
    }

    /** Follows {@code $ref} chains until a schema that states its own rules. */
    public JsonNode deref(JsonNode schema) {
        JsonNode s = schema;
        while (s.has("$ref") && !s.has("properties") && !s.has("type") && !s.has("oneOf")) {
            s = resolve(s.get("$ref").stringValue());
        }
        return s;
    }

    /** Every rule the value breaks against the whole document; empty when it is valid. */
    public List<String> errors(JsonNode value) {
        return errors(root, value);
    }

    /** Every rule the value breaks against one schema of the document; empty when it is valid. */
    public List<String> errors(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode value, String path, List<String> out) {
        String at = path.isEmpty() ? "/" : path;
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                out.add(at + ": no value is allowed here");
            }
            return;
        }
        for (Map.Entry<String, JsonNode> rule : schema.properties()) {
            String keyword = rule.getKey();
            JsonNode s = rule.getValue();
            switch (keyword) {
                case "$ref" -> check(resolve(s.stringValue()), value, path, out);
                case "type" -> {
                    if (!typeMatches(s, value)) {
                        out.add(at + ": " + describe(value) + " is not of type " + s);
                    }
                }
                case "const" -> {
                    if (!same(s, value)) {
                        out.add(at + ": " + describe(value) + " is not the constant " + s);
                    }
                }
                case "enum" -> {
                    boolean found = false;
                    for (JsonNode option : s) {
                        found |= same(option, value);
                    }
                    if (!found) {
                        out.add(at + ": " + describe(value) + " is not one of " + s);
                    }
                }
                case "minimum" -> {
                    if (value.isNumber() && value.decimalValue().compareTo(s.decimalValue()) < 0) {
                        out.add(at + ": " + value + " is below the minimum " + s);
                    }
                }
                case "maximum" -> {
                    if (value.isNumber() && value.decimalValue().compareTo(s.decimalValue()) > 0) {
                        out.add(at + ": " + value + " is above the maximum " + s);
                    }
                }
                case "minLength" -> {
                    if (value.isString() && length(value) < s.intValue()) {
                        out.add(at + ": " + describe(value) + " is shorter than " + s);
                    }
                }
                case "maxLength" -> {
                    if (value.isString() && length(value) > s.intValue()) {
                        out.add(at + ": " + describe(value) + " is longer than " + s);
                    }
                }
                case "pattern" -> {
                    Pattern p = patterns.computeIfAbsent(s.stringValue(), Pattern::compile);
                    if (value.isString() && !p.matcher(value.stringValue()).find()) {
                        out.add(at + ": " + describe(value) + " does not match " + s.stringValue());
                    }
                }
                case "properties" -> {
                    if (value.isObject()) {
                        for (Map.Entry<String, JsonNode> property : s.properties()) {
                            JsonNode v = value.get(property.getKey());
                            if (v != null) {
                                check(property.getValue(), v, path + "/" + property.getKey(), out);
                            }
                        }
                    }
                }
                case "additionalProperties" -> {
                    if (value.isObject()) {
                        JsonNode declared = schema.get("properties");
                        for (String name : value.propertyNames()) {
                            if (declared == null || !declared.has(name)) {
                                List<String> sub = new ArrayList<>();
                                check(s, value.get(name), path + "/" + name, sub);
                                if (!sub.isEmpty()) {
                                    out.add(at + ": property \"" + name + "\" is not declared");
                                }
                            }
                        }
                    }
                }
                case "required" -> {
                    if (value.isObject()) {
                        for (JsonNode name : s) {
                            if (!value.has(name.stringValue())) {
                                out.add(at + ": required property \"" + name.stringValue() + "\" is missing");
                            }
                        }
                    }
                }
                case "items" -> {
                    if (value.isArray()) {
                        for (int i = 0; i < value.size(); i++) {
                            check(s, value.get(i), path + "/" + i, out);
                        }
                    }
                }
                case "minItems" -> {
                    if (value.isArray() && value.size() < s.intValue()) {
                        out.add(at + ": " + value.size() + " items, fewer than " + s);
                    }
                }
                case "maxItems" -> {
                    if (value.isArray() && value.size() > s.intValue()) {
                        out.add(at + ": " + value.size() + " items, more than " + s);
                    }
                }
                case "oneOf" -> {
                    int matching = 0;
                    List<String> closest = null;
                    for (JsonNode branch : s) {
                        List<String> sub = errors(branch, value);
                        if (sub.isEmpty()) {
                            matching++;
                        } else if (closest == null || sub.size() < closest.size()) {
                            closest = sub;
                        }
                    }
                    if (matching != 1) {
                        out.add(at + ": matches " + matching + " of the oneOf branches, not exactly one"
                                + (matching == 0 ? "; the closest fails with " + prefixed(path, closest) : ""));
                    }
                }
                case "not" -> {
                    if (errors(s, value).isEmpty()) {
                        out.add(at + ": matches the schema under \"not\": " + s);
                    }
                }
                default -> {
                    if (!ANNOTATIONS.contains(keyword)) {
                        throw new IllegalArgumentException("schema keyword \"" + keyword + "\" at " + at
                                + " is not supported by this checker; teach it before using the keyword");
                    }
                }
            }
        }
    }

    private static List<String> prefixed(String path, List<String> errors) {
        List<String> out = new ArrayList<>();
        for (String e : errors) {
            out.add(path + e);
        }
        return out;
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(t, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.stringValue()) {
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "string" -> value.isString();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }

    /** JSON equality: numbers compare by value, whatever Java type Jackson chose for them. */
    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static int length(JsonNode s) {
        String v = s.stringValue();
        return v.codePointCount(0, v.length());
    }

    private static String describe(JsonNode value) {
        String text = value.toString();
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }
}
