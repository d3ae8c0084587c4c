package dev.sprint.server;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The images of {@code response_format: url} calls, served at {@code GET /v1/sprint/images/{token}}: bounded in bytes
 * and in age. A token is 128 random bits from {@link SecureRandom} (base64url), so a URL is as good as a key to its
 * one image and cannot be guessed; nothing is kept past {@code maxAge}, and when a new image would exceed
 * {@code maxBytes} the oldest images go first. Thread-safe.
 */
final class ImageStore {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One stored image and the caller (API key id) it belongs to. */
    record Entry(String owner, byte[] bytes, String contentType, Instant expires) {}

    private final long maxBytes;
    private final Duration maxAge;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(); // insertion order = age order
    private long bytes;

    ImageStore(long maxBytes, Duration maxAge, Clock clock) {
        if (maxBytes < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("the image store needs a positive size and age");
        }
        this.maxBytes = maxBytes;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /**
     * Stores an image of {@code owner} and returns its token; older images are dropped to make room.
     *
     * @throws ApiError 507-like 500 when the image alone is larger than the whole store
     */
    synchronized String put(String owner, byte[] image, String contentType) {
        if (image.length > maxBytes) {
            throw new ApiError(500, ApiError.SERVER_ERROR, "The image (" + image.length + " bytes) is larger than this server's"
                    + " image store (" + maxBytes + " bytes); use response_format 'b64_json'.", "response_format", "image_store_full", 0);
        }
        purgeExpired();
        for (Iterator<Entry> it = entries.values().iterator(); bytes + image.length > maxBytes && it.hasNext(); ) {
            bytes -= it.next().bytes().length;
            it.remove();
        }
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        entries.put(token, new Entry(owner, image, contentType, clock.instant().plus(maxAge)));
        bytes += image.length;
        return token;
    }

    /** The image of a token, or null when it is unknown, expired, was evicted or belongs to another owner. */
    synchronized Entry get(String token, String owner) {
        purgeExpired();
        Entry e = entries.get(token);
        return e != null && e.owner().equals(owner) ? e : null;
    }

    /** Bytes held now. */
    synchronized long bytes() {
        purgeExpired();
        return bytes;
    }

    /** How long images are kept at most. */
    Duration maxAge() {
        return maxAge;
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (e.expires().isAfter(now)) break; // the rest are younger
            bytes -= e.bytes().length;
            it.remove();
        }
    }
}
