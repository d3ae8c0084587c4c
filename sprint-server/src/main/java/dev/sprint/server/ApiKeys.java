package dev.sprint.server;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.SprintException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The API keys a server accepts as {@code Authorization: Bearer KEY}. Only SHA-256 digests are kept, and a
 * presented key is compared with every one of them by {@link MessageDigest#isEqual} (no early exit), so the
 * time taken says nothing about how much of a key was right. Each key has an owner id (the first 12 hex
 * digits of its digest) that jobs are filed under; with no keys every caller is {@link #ANONYMOUS}.
 */
final class ApiKeys {
    /** The owner of every request on a server without keys. */
    static final String ANONYMOUS = "anonymous";

    private final List<byte[]> digests;

    private ApiKeys(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /** The keys given; blank keys and keys with whitespace or control characters are refused. */
    static ApiKeys of(Collection<String> keys) {
        List<byte[]> d = new ArrayList<>();
        for (String k : keys) {
            check(k);
            d.add(sha256(k));
        }
        return new ApiKeys(d);
    }

    /** Keys of a file: one per line; blank lines and lines starting with '#' are skipped, the rest trimmed. */
    static List<String> readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the API key file " + file + ": " + e.getMessage());
        }
        List<String> keys = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) keys.add(t);
        }
        if (keys.isEmpty()) throw new InvalidRequestException("the API key file " + file + " holds no key");
        return keys;
    }

    private static void check(String key) {
        if (key == null || key.isEmpty()) throw new InvalidRequestException("an API key must not be empty");
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c == 0x7f) throw new InvalidRequestException("an API key must not contain whitespace or control characters");
        }
    }

    /** Whether any key is configured (else the API is open). */
    boolean required() {
        return !digests.isEmpty();
    }

    /**
     * The owner id of the request's key.
     *
     * @param authorization the {@code Authorization} header, or null
     * @throws ApiError 401 when keys are configured and the header is missing or holds no accepted key
     */
    String authenticate(String authorization) {
        if (digests.isEmpty()) return ANONYMOUS;
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("You didn't provide an API key. You need to provide your API key in an Authorization header"
                    + " using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null);
        }
        String h = authorization.strip();
        if (!h.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
            throw unauthorized("The Authorization header must be 'Bearer YOUR_KEY'.", "invalid_api_key");
        }
        byte[] presented = sha256(h.substring(7).strip());
        int match = -1;
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(digests.get(i), presented) && match < 0) match = i; // no early exit: every digest is compared
        }
        if (match < 0) throw unauthorized("Incorrect API key provided.", "invalid_api_key");
        return HexFormat.of().formatHex(digests.get(match), 0, 6);
    }

    private static ApiError unauthorized(String message, String code) {
        return new ApiError(401, ApiError.INVALID_REQUEST, message, null, code, 0);
    }

    /** SHA-256 of the UTF-8 bytes of {@code s}. */
    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new SprintException("this JDK has no SHA-256", e);
        }
    }
}
