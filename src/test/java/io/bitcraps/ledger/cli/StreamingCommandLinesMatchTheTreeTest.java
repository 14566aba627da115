package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.api.CommandLines;
import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Limits;
import io.bitcraps.ledger.domain.Outcome;
import io.bitcraps.ledger.domain.Rejected;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A differential test: the streaming {@link CommandLines} must answer every line exactly as the
 * tree-based parser it replaced ({@link TreeCommandLines}, kept here as the oracle): the same
 * commands, atomic flag and key, or the same invalid message, or the same domain refusal (type and
 * message), and the same {@link CommandLines#keyOf} for the receipt of a refused line.
 * <p>
 * The lines are random, seeded and printed: well-formed commands of every type with their fields in
 * any order, mutated by the cases the language has to get right (a duplicate, unknown or foreign
 * field, a wrong JSON type, numbers beyond long and int, floats, a key on the group and in it, nested
 * and oversized groups, non-object roots, trailing tokens, cut and spliced text). Replay one run
 * with {@code -Dcommandlines.seed=…}; run more with {@code -Dcommandlines.lines=…}.
 */
class StreamingCommandLinesMatchTheTreeTest {
    private static final int LINES = Integer.getInteger("commandlines.lines", 10_000);

    @Test
    void theStreamingParserAnswersEveryRandomLineAsTheTreeParserDid() {
        long seed = Long.getLong("commandlines.seed", new Random().nextLong());
        System.out.printf("StreamingCommandLinesMatchTheTreeTest: seed %d (replay with -Dcommandlines.seed=%d), %,d lines%n",
                seed, seed, LINES);
        LineMaker maker = new LineMaker(new Random(seed));
        Map<String, Integer> answers = new TreeMap<>();
        CommandLines reused = new CommandLines();
        for (int i = 0; i < LINES; i++) {
            String line = maker.line();
            String expected = answer(() -> TreeCommandLines.parse(line));
            assertThat(answer(() -> reused.read(line))).as("line %d of seed %d: %s", i, seed, line).isEqualTo(expected);
            assertThat(CommandLines.keyOf(line)).as("keyOf line %d of seed %d: %s", i, seed, line)
                    .isEqualTo(TreeCommandLines.keyOf(line));
            answers.merge(expected.substring(0, expected.indexOf(':')), 1, Integer::sum);
        }
        System.out.printf("StreamingCommandLinesMatchTheTreeTest: answers by kind %s%n", answers);
        // the generator must reach every kind of answer, or the test proves less than it says
        assertThat(answers.keySet()).contains("ok", "invalid", "rejected");
        assertThat(answers.get("ok")).isGreaterThan(LINES / 20);
    }

    @Test
    void theStreamingParserAnswersTheKnownEdgeCasesAsTheTreeParserDid() {
        String deposit = "\"type\":\"deposit\",\"player\":\"alice\",\"amount\":5,\"reference\":\"r\"";
        List<String> lines = List.of(
                "", " ", "\t", "null", "1", "\"text\"", "[]", "[{}]", "{}", "{} ", "{}\t", "{} {}", "{} 1", "{} [", "{} ]",
                "{} \"a", "{} x", "1 2", "\uFEFF{}", "{" + deposit + "}",
                "{" + deposit + ",\"amount\":5}", "{\"a\":1,\"a\":01}", "{\"a\":1,\"a\" 1}", "{\"a\":1,\"a\":tru}",
                "{\"a\":1,\"b\":2,\"a\"", "{\"a\":1,\"a\":-}", "{\"x\":{\"b\":1,\"b\":2}}", "{\"x\":[{\"b\":1},{\"b\":2}]}",
                "{\"x\":{\"a\":1},\"a\":{\"a\":1}}", "{\"x\":{\"b\":1,\"b\":1x}}", "{\"key\":\"k\",\"key\":\"k\"}",
                "{\"type\":\"atomic\",\"commands\":[{\"type\":\"roll\",\"type\":\"roll\"}]}",
                "{\"type\":\"atomic\",\"commands\":[{\"type\":\"roll\"},{\"type\":\"roll\"}]}",
                "{\"commands\":[],\"commands\":1e999999}", "{" + deposit + ",\"Amount\":5}", "{" + deposit + ",\"die1\":5}",
                "{" + deposit + ",\"comment\":1,\"die1\":2}", "{" + deposit + ",\"die1\":2,\"comment\":1}",
                "{" + deposit.replace("5", "5.0") + "}", "{" + deposit.replace("5", "1e2") + "}",
                "{" + deposit.replace("5", "-0") + "}", "{" + deposit.replace("5", "9223372036854775808") + "}",
                "{" + deposit.replace("5", "-9223372036854775809") + "}", "{" + deposit.replace("5", "1" + "0".repeat(39)) + "}",
                "{" + deposit.replace("5", "1" + "0".repeat(40)) + "}", "{" + deposit.replace("5", "1e99999") + "}",
                "{" + deposit.replace("5", "\"5\"") + "}", "{" + deposit.replace("5", "null") + "}",
                "{" + deposit + ",\"key\":null}", "{" + deposit + ",\"key\":1}", "{" + deposit + ",\"key\":\"\"}",
                "{" + deposit + ",\"key\":\"a b\"}", "{\"key\":\"k\"," + deposit.replace("5", "0") + "}",
                "{\"type\":\"roll\",\"game\":\"g\",\"die1\":2147483648,\"die2\":1}",
                "{\"type\":\"roll\",\"game\":\"g\",\"die1\":9223372036854775808,\"die2\":1}",
                "{\"type\":\"roll\",\"game\":\"g\",\"die1\":7,\"die2\":1}",
                "{\"type\":\"atomic\",\"commands\":[{" + deposit + "}]}",
                "{\"type\":\"atomic\",\"key\":\"k\",\"commands\":[{" + deposit + "},{" + deposit + "}]}",
                "{\"type\":\"atomic\",\"commands\":[]}", "{\"type\":\"atomic\",\"commands\":{}}", "{\"type\":\"atomic\"}",
                "{\"type\":\"atomic\",\"commands\":[1]}", "{\"type\":\"atomic\",\"commands\":[{" + deposit + ",\"key\":null}]}",
                "{\"type\":\"atomic\",\"commands\":[{\"type\":\"atomic\",\"commands\":[]}]}",
                "{\"type\":\"atomic\",\"commands\":[{\"type\":\"atomic\",\"commands\":[[]]}]}",
                "{\"type\":\"atomic\",\"commands\":[{\"type\":\"atomic\",\"commands\":[[[]]]}]}",
                "{\"type\":\"atomic\",\"commands\":[" + String.join(",", Collections.nCopies(256, "{" + deposit + "}")) + "]}",
                "{\"type\":\"atomic\",\"commands\":[" + String.join(",", Collections.nCopies(257, "1")) + "]}",
                "{\"type\":\"atomic\",\"key\":\"\",\"commands\":[" + String.join(",", Collections.nCopies(257, "1")) + "]}",
                "{\"type\":\"deposit\",\"commands\":[{" + deposit + "}]}",
                "{" + deposit + ",\"reference\":\"" + "x".repeat(40_000) + "\"}");
        for (String line : lines) {
            assertThat(answer(() -> new CommandLines().read(line))).as(line).isEqualTo(answer(() -> TreeCommandLines.parse(line)));
            assertThat(CommandLines.keyOf(line)).as("keyOf %s", line).isEqualTo(TreeCommandLines.keyOf(line));
        }
    }

    private interface Parse {
        CommandLines.Parsed run() throws CommandLines.Invalid;
    }

    /** One line's answer as text: "ok: …", "invalid: message", "rejected: type: message", or any other exception. */
    private static String answer(Parse parse) {
        try {
            CommandLines.Parsed p = parse.run();
            return "ok: " + p.commands() + " atomic=" + p.atomic() + " key=" + p.key();
        } catch (CommandLines.Invalid e) {
            return "invalid: " + e.getMessage();
        } catch (Rejected e) {
            return "rejected: " + e.getClass().getName() + ": " + e.getMessage();
        } catch (RuntimeException e) {
            return "thrown: " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** Makes command lines: mostly well formed, often subtly not. */
    private static final class LineMaker {
        private static final String[] TYPES = {"deposit", "withdraw", "fund_house", "open_game", "place_bet", "roll",
                "settle", "close_game"};
        private static final Map<String, List<String>> FIELDS = Map.of(
                "deposit", List.of("player", "amount", "reference"),
                "withdraw", List.of("player", "amount", "reference"),
                "fund_house", List.of("amount", "reference"),
                "open_game", List.of("game", "table", "rules"),
                "place_bet", List.of("game", "bet", "player", "bet_type", "point", "amount"),
                "roll", List.of("game", "die1", "die2"),
                "settle", List.of("game", "bet", "outcome", "winnings"),
                "close_game", List.of("game"));
        private static final String[] EVERY_FIELD = {"type", "key", "commands", "player", "amount", "reference", "game",
                "table", "rules", "bet", "bet_type", "point", "die1", "die2", "outcome", "winnings"};
        private static final String[] NUMBERS = {"1", "5", "1000", "0", "-1", "-0", "7", "2147483647", "2147483648",
                "-2147483648", "-2147483649", String.valueOf(Limits.AMOUNT_MAX), String.valueOf(Limits.AMOUNT_MAX + 1),
                String.valueOf(Limits.WINNINGS_MAX), String.valueOf(Limits.WINNINGS_MAX + 1), "9223372036854775807",
                "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "1" + "0".repeat(39),
                "1" + "0".repeat(40), "1.0", "5.5", "1e3", "1E+2", "-0.0", "1e99999", "2.5e-99999", "01", "+1", "1.",
                ".5", "NaN", "0x10"};
        private static final String[] ODD_VALUES = {"null", "true", "false", "{}", "[]", "{\"a\":1}", "[1,\"x\"]",
                "{\"a\":[[1]]}", "[[[[1]]]]", "{\"a\":{\"b\":{}}}", "\"\"", "\"5\"", "1.5", "\"unterminated", "tru", "nul",
                "{\"a\":1,\"a\":2}", "\"\\u0000\"", "\"\\q\"", "\"a\u0001b\""};
        private static final String[] TEXTS = {"alice", "p1", "g-7", "table-3", "b0", "r", "ref 1", "", " ", "a b",
                "x".repeat(64), "x".repeat(65), "x".repeat(129), "é", "k\u0000", "k\uD800", "'; DROP TABLE events; --",
                "quote\"s", "back\\slash", "tab\t", "line\nbreak", "DROP"};
        private static final String[] SPLICES = {",", "{", "}", "[", "]", ":", "\"", "\\", " ", "x", "0", "-", ".",
                "\u0000", "\u0001", "\uFEFF", "/", "\r", "\t", "e", "null", "\"key\":\"k\",", "\"type\":\"roll\","};
        private static final String[] TRAILERS = {" {}", " 1", " x", " \"a\"", " \"a", " [", " ]", " }", " null",
                " true", " false", " -1.5", "\t", " ", ",", " /* c */", "\u0000"};

        private final Random r;

        LineMaker(Random r) {
            this.r = r;
        }

        String line() {
            int roll = r.nextInt(100);
            String line;
            if (roll < 3) {
                line = pick(new String[] {"", " ", "null", "1", "[]", "[{}]", "\"x\"", "true", "{}", " {} ", "[1,{\"a\":[[[1]]]}]"});
            } else if (roll < 25) {
                line = group();
            } else {
                line = object(command(pick(TYPES), true));
            }
            if (r.nextInt(100) < 25) {
                line = mutateText(line);
            }
            return line;
        }

        private String group() {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("type", r.nextInt(30) == 0 ? pickValue() : "\"atomic\"");
            if (r.nextInt(3) == 0) {
                fields.put("key", key());
            }
            int size = switch (r.nextInt(40)) {
                case 0 -> 0;
                case 1 -> Limits.ATOMIC_COMMANDS_MAX;
                case 2 -> Limits.ATOMIC_COMMANDS_MAX + 1 + r.nextInt(3);
                default -> 1 + r.nextInt(6);
            };
            List<String> elements = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                elements.add(groupElement(size));
            }
            if (r.nextInt(40) != 0) {
                fields.put("commands", "[" + String.join(r.nextBoolean() ? "," : " , ", elements) + "]");
            } else if (r.nextBoolean()) {
                fields.put("commands", pickValue());
            }
            if (r.nextInt(30) == 0) {
                fields.put(pick(EVERY_FIELD), pickValue());
            }
            return object(fields);
        }

        private String groupElement(int size) {
            int roll = r.nextInt(size > 20 ? 2000 : 60);
            if (roll == 0) {
                return pickValue();
            }
            if (roll == 1) {
                return "{\"type\":\"atomic\",\"commands\":[" + object(command(pick(TYPES), false)) + "]}";
            }
            Map<String, String> inner = command(pick(TYPES), false);
            if (roll == 2) {
                inner.put("key", r.nextBoolean() ? "null" : key());
            }
            return object(inner);
        }

        /** A command's fields as JSON text by name, mostly right, now and then wrong. */
        private Map<String, String> command(String type, boolean mayHaveKey) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("type", r.nextInt(40) == 0 ? pickTypeMistake() : quote(type));
            if (mayHaveKey && r.nextInt(3) == 0) {
                fields.put("key", key());
            }
            for (String name : FIELDS.get(type)) {
                boolean optional = name.equals("rules") || name.equals("point") || name.equals("winnings");
                if (r.nextInt(optional ? 3 : 40) == 0) {
                    continue; // left out
                }
                fields.put(name, r.nextInt(12) == 0 ? pickValue() : goodValue(type, name));
            }
            if (r.nextInt(25) == 0) {
                fields.put(r.nextBoolean() ? pick(EVERY_FIELD) : pick(new String[] {"comment", "Type", "KEY", "amount "}),
                        pickValue());
            }
            return shuffled(fields);
        }

        private String goodValue(String type, String name) {
            return switch (name) {
                case "player", "game", "bet", "table" -> quote(r.nextInt(15) == 0 ? pick(TEXTS) : name.charAt(0) + "-" + r.nextInt(50));
                case "reference" -> quote(r.nextInt(15) == 0 ? pick(TEXTS) : "ref " + r.nextInt(9));
                case "rules" -> r.nextInt(6) == 0 ? pick(new String[] {"null", "\"\"", quote("x".repeat(161)), "\"a b\""})
                        : quote("field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000");
                case "amount" -> r.nextInt(8) == 0 ? pick(NUMBERS) : String.valueOf(1 + r.nextInt(5000));
                case "winnings" -> r.nextInt(8) == 0 ? pick(NUMBERS) : String.valueOf(r.nextInt(100));
                case "die1", "die2" -> r.nextInt(8) == 0 ? pick(NUMBERS) : String.valueOf(1 + r.nextInt(6));
                case "point" -> r.nextInt(6) == 0 ? pick(NUMBERS) : pick(new String[] {"4", "5", "6", "8", "9", "10", "null"});
                case "bet_type" -> quote(r.nextInt(15) == 0 ? pick(new String[] {"NOPE", "pass_line", ""})
                        : BetType.values()[r.nextInt(BetType.values().length)].name());
                case "outcome" -> quote(r.nextInt(15) == 0 ? pick(new String[] {"win", "LOST", ""})
                        : Outcome.values()[r.nextInt(Outcome.values().length)].name());
                default -> throw new IllegalArgumentException(type + "." + name);
            };
        }

        private String key() {
            return r.nextInt(5) == 0 ? pick(new String[] {"null", "1", "\"\"", quote("a b"), quote("k".repeat(65)),
                    quote("k\u0000"), "{}", quote("q\"uote")}) : quote("key-" + r.nextInt(1000));
        }

        private String pickTypeMistake() {
            return pick(new String[] {"null", "1", "\"atomic\"", "\"Deposit\"", "\"\"", "[]", quote("x".repeat(100))});
        }

        private String pickValue() {
            return r.nextInt(3) == 0 ? pick(NUMBERS) : r.nextBoolean() ? pick(ODD_VALUES) : quote(pick(TEXTS));
        }

        private Map<String, String> shuffled(Map<String, String> fields) {
            List<String> names = new ArrayList<>(fields.keySet());
            if (!names.isEmpty() && r.nextInt(4) != 0) {
                Collections.shuffle(names, r);
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (String name : names) {
                out.put(name, fields.get(name));
            }
            return out;
        }

        private String object(Map<String, String> fields) {
            List<String> members = new ArrayList<>();
            for (Map.Entry<String, String> f : fields.entrySet()) {
                members.add(quote(f.getKey()) + (r.nextInt(10) == 0 ? " : " : ":") + f.getValue());
            }
            if (!members.isEmpty() && r.nextInt(30) == 0) {
                // a duplicate name: the same value, or another one
                String dup = members.get(r.nextInt(members.size()));
                members.add(r.nextInt(members.size() + 1),
                        r.nextBoolean() ? dup : dup.substring(0, dup.indexOf(':') + 1) + pickValue());
            }
            return "{" + String.join(r.nextInt(10) == 0 ? ", " : ",", members) + "}";
        }

        private String mutateText(String line) {
            int edits = 1 + r.nextInt(2);
            for (int e = 0; e < edits; e++) {
                int at = line.isEmpty() ? 0 : r.nextInt(line.length() + 1);
                line = switch (r.nextInt(5)) {
                    case 0 -> line.substring(0, at); // cut short
                    case 1 -> line + pick(TRAILERS);
                    case 2 -> line.substring(0, at) + pick(SPLICES) + line.substring(at);
                    case 3 -> at < line.length() ? line.substring(0, at) + line.substring(at + 1) : line;
                    default -> (r.nextBoolean() ? " " : "\t") + line;
                };
            }
            return line;
        }

        private String pick(String[] options) {
            return options[r.nextInt(options.length)];
        }

        /** JSON string text; control characters are escaped unless the generator wants a raw one now and then. */
        private String quote(String s) {
            StringBuilder b = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20 && r.nextInt(10) != 0) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        }
    }
}
