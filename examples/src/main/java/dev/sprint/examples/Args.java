package dev.sprint.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.IntConsumer;

/** Minimal GNU-style option parser: {@code --name value}, {@code --name=value}, repeatable options and flags. */
final class Args {
    private final Map<String, List<String>> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final Set<String> used = new HashSet<>();

    Args(String[] argv, Set<String> flagNames) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) throw new CliException("unexpected argument '" + a + "' (options start with --)");
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagNames.contains(name)) {
                if (value != null) throw new CliException("--" + name + " takes no value");
                flags.add(name);
                continue;
            }
            if (value == null) {
                if (i + 1 >= argv.length) throw new CliException("--" + name + " needs a value");
                value = argv[++i];
            }
            values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
    }

    boolean flag(String name) {
        used.add(name);
        return flags.contains(name);
    }

    String get(String name) {
        used.add(name);
        List<String> v = values.get(name);
        if (v == null) return null;
        if (v.size() > 1) throw new CliException("--" + name + " given " + v.size() + " times");
        return v.get(0);
    }

    String require(String name) {
        String v = get(name);
        if (v == null) throw new CliException("--" + name + " is required");
        return v;
    }

    List<String> all(String name) {
        used.add(name);
        return values.getOrDefault(name, List.of());
    }

    private <T> T parse(String name, java.util.function.Function<String, T> f, String what) {
        String v = get(name);
        if (v == null) return null;
        try {
            return f.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " needs " + what + ", got '" + v + "'");
        }
    }

    Integer getInt(String name) {
        return parse(name, Integer::parseInt, "an integer");
    }

    Long getLong(String name) {
        return parse(name, Long::parseLong, "an integer");
    }

    Double getDouble(String name) {
        return parse(name, Double::parseDouble, "a number");
    }

    List<Double> getDoubles(String name) {
        String v = get(name);
        if (v == null) return null;
        List<Double> out = new ArrayList<>();
        for (String s : v.split(",")) {
            try {
                out.add(Double.parseDouble(s.trim()));
            } catch (NumberFormatException e) {
                throw new CliException("--" + name + " needs comma-separated numbers, got '" + v + "'");
            }
        }
        return out;
    }

    /** Passes the option's value to {@code set} when it was given. */
    void ifGiven(String name, Consumer<String> set) {
        String v = get(name);
        if (v != null) set.accept(v);
    }

    /** Passes the option's integer value to {@code set} when it was given. */
    void ifInt(String name, IntConsumer set) {
        Integer v = getInt(name);
        if (v != null) set.accept(v);
    }

    /** Passes the option's number to {@code set} when it was given. */
    void ifDouble(String name, DoubleConsumer set) {
        Double v = getDouble(name);
        if (v != null) set.accept(v);
    }

    /** Fails on options nobody asked for (typos). */
    void rejectUnknown() {
        Set<String> all = new HashSet<>(values.keySet());
        all.addAll(flags);
        all.removeAll(used);
        if (!all.isEmpty()) throw new CliException("unknown option(s): --" + String.join(", --", all) + " (see --help)");
    }
}
