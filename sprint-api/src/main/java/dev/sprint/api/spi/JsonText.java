package dev.sprint.api.spi;

import java.util.Locale;

/** JSON string literals for the few places that write JSON by hand (PNG text chunks, Spark result columns). */
public final class JsonText {
    private JsonText() {}

    /**
     * Appends {@code s} as a quoted JSON string: quote, backslash and control characters escaped, and the two line
     * separators U+2028/U+2029, which JavaScript readers of JSON lines trip over.
     */
    public static StringBuilder appendQuoted(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"');
    }
}
