package dev.sprint.server;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** What clients and logs may see of the machine: model names instead of paths, URLs without their queries. */
final class PublicText {
    private static final Pattern URL_QUERY = Pattern.compile("(?i)\\b(https?://[^\\s?#\"'<>]*)\\?[^\\s\"'<>]*");

    private PublicText() {}

    /** A local path's folder name, or a Hugging Face repo id ({@code org/name}, not an existing path) as given. */
    static String modelName(String model) {
        if (model == null || model.isBlank()) return "model";
        String m = model.strip();
        boolean path = m.startsWith("/") || m.startsWith(".") || m.startsWith("~") || m.contains("\\") || m.matches("^[A-Za-z]:.*")
                || m.chars().filter(c -> c == '/').count() != 1 || exists(m);
        if (!path) return m;
        Path name = Path.of(m.replace('\\', '/')).toAbsolutePath().normalize().getFileName();
        return name == null ? "model" : name.toString();
    }

    private static boolean exists(String path) {
        try {
            return Files.exists(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** A pipeline's description with the model's public name instead of what it was opened from. */
    static Map<String, String> description(Map<String, String> d) {
        Map<String, String> out = new LinkedHashMap<>(d);
        if (out.containsKey("model")) out.put("model", modelName(out.get("model")));
        return Collections.unmodifiableMap(out);
    }

    /** Text for the log with every URL's query string cut (signed URLs carry credentials there). */
    static String withoutQueries(String text) {
        return text == null ? null : URL_QUERY.matcher(text).replaceAll("$1?…");
    }
}
