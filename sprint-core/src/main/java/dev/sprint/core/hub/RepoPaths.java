package dev.sprint.core.hub;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Repo file names (chosen by whoever publishes a repo, or by a server) turned into cache paths safely on every
 * platform: a name that would be unsafe or mean something else on any of Linux, macOS or Windows is refused
 * everywhere, so a cache is the same wherever it is written. Refused: absolute names, empty, {@code .} and
 * {@code ..} segments, backslashes, {@code :} (a Windows drive or alternate data stream: {@code unit/D:x.json}),
 * control characters, the other characters Windows forbids ({@code < > " | ? *}), segments ending in a dot or
 * a space (Windows drops them, so two names would meet), and Windows device names ({@code CON}, {@code PRN},
 * {@code AUX}, {@code NUL}, {@code COM0-9}, {@code LPT0-9}, with any extension: {@code CON.json}).
 */
final class RepoPaths {
    private static final Pattern DEVICE = Pattern.compile("(?i)(CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3])(\\..*)?");
    private static final String FORBIDDEN = "\\:<>\"|?*";

    private RepoPaths() {}

    /** Why {@code path} is not a safe repo file name, or null when it is. */
    static String problem(String path) {
        if (path.isEmpty()) return "it is empty";
        if (path.startsWith("/")) return "it is absolute";
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) return "it holds the control character U+" + String.format(java.util.Locale.ROOT, "%04X", (int) c);
            if (FORBIDDEN.indexOf(c) >= 0) return "it holds '" + c + "', which Windows does not allow in file names";
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty()) return "it has an empty segment";
            if (seg.equals(".") || seg.equals("..")) return "it has a '" + seg + "' segment";
            if (seg.endsWith(".") || seg.endsWith(" ")) return "the segment '" + seg + "' ends in a dot or a space";
            if (DEVICE.matcher(seg).matches()) return "'" + seg + "' is a Windows device name";
        }
        return null;
    }

    /** Refuses a repo file name that is not safe on every platform (see the class comment). */
    static void check(String path, String repoId) {
        String why = problem(path);
        if (why != null) {
            throw new ModelDownloadException(Reason.PROTOCOL, "the repo " + repoId + " lists the file name '" + printable(path)
                    + "', which is not a safe relative path (" + why + "); refusing to write it");
        }
    }

    /** {@code base/path} for a checked repo path, verified to stay inside {@code base}. */
    static Path under(Path base, String path, String repoId) {
        check(path, repoId);
        Path p = base;
        for (String seg : path.split("/")) p = p.resolve(seg);
        return inside(base, p);
    }

    /** {@code p} itself, once it is known to lie inside {@code base} (lexically, after normalization). */
    static Path inside(Path base, Path p) {
        Path b = base.toAbsolutePath().normalize();
        Path n = p.toAbsolutePath().normalize();
        if (n.equals(b) || !n.startsWith(b)) {
            throw new ModelDownloadException(Reason.PROTOCOL, p + " would lie outside " + base + "; refusing to write it");
        }
        return p;
    }

    /** The name with control characters escaped, for messages and logs. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
