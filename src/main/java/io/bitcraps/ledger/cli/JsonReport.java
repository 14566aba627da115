package io.bitcraps.ledger.cli;

import tools.jackson.databind.json.JsonMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** A command's result as one JSON object on stdout ({@code --json}), its fields in the order they were put. */
final class JsonReport {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Map<String, Object> fields = new LinkedHashMap<>();

    JsonReport put(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    /** A nested object. */
    static Map<String, Object> object(Object... nameValuePairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            m.put((String) nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return m;
    }

    /** The object as one line of JSON, without the line end. */
    String line() {
        return JSON.writeValueAsString(fields);
    }

    void print() {
        System.out.println(line());
        System.out.flush();
    }
}
