package dev.sprint.core.hub;

import dev.sprint.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * File patterns as huggingface_hub's {@code allow_patterns}: Python's {@code fnmatch} on the repo path
 * ({@code *} matches any run of characters, {@code /} included; {@code ?} one character; {@code [seq]},
 * {@code [!seq]}), case-sensitive, and a pattern ending in {@code /} means everything under that folder.
 */
final class Glob {
    private final String source;
    private final Pattern regex;

    private Glob(String source) {
        this.source = source;
        String p = source.endsWith("/") ? source + "*" : source;
        this.regex = Pattern.compile(translate(p), Pattern.DOTALL);
    }

    static Glob of(String pattern) {
        if (pattern == null || pattern.isEmpty()) throw new InvalidRequestException("an empty file pattern matches nothing");
        return new Glob(pattern);
    }

    boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    @Override
    public String toString() {
        return source;
    }

    /** The paths matching any of the patterns, in their original order. */
    static List<String> filter(Collection<String> paths, Collection<String> patterns) {
        List<Glob> globs = patterns.stream().map(Glob::of).toList();
        List<String> out = new ArrayList<>();
        for (String p : paths) {
            if (globs.stream().anyMatch(g -> g.matches(p))) out.add(p);
        }
        return out;
    }

    /** {@code fnmatch.translate}, without Python's regex flags. */
    static String translate(String pat) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        int n = pat.length();
        while (i < n) {
            char c = pat.charAt(i++);
            if (c == '*') {
                while (i < n && pat.charAt(i) == '*') i++;
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < n && pat.charAt(j) == '!') j++;
                if (j < n && pat.charAt(j) == ']') j++;
                while (j < n && pat.charAt(j) != ']') j++;
                if (j >= n) {
                    re.append("\\[");
                } else {
                    String stuff = pat.substring(i, j);
                    i = j + 1;
                    StringBuilder cls = new StringBuilder("[");
                    int k = 0;
                    if (stuff.startsWith("!")) {
                        cls.append('^');
                        k = 1;
                    } else if (stuff.startsWith("^")) {
                        cls.append("\\^");
                        k = 1;
                    }
                    for (; k < stuff.length(); k++) {
                        char s = stuff.charAt(k);
                        if (s == '-') {
                            cls.append('-'); // ranges keep their meaning
                        } else if (s == '\\' || s == '[' || s == ']' || s == '&' || s == '~' || s == '|' || s == '^') {
                            cls.append('\\').append(s);
                        } else {
                            cls.append(s);
                        }
                    }
                    re.append(cls).append(']');
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
