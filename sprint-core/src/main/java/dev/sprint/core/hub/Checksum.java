package dev.sprint.core.hub;

import dev.sprint.api.SprintException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a Hub ETag promises about a file's bytes: an LFS file's ETag is the sha256 of its content (64 hex
 * digits); a file kept in git has the git blob id, {@code sha1("blob <size>\0" + content)} (40 hex digits).
 * Any other ETag form is only checked for size. huggingface_hub 0.35 checks only the size; a corrupted
 * transfer of the right length would pass there — not here.
 */
final class Checksum {
    enum Kind { SHA256, GIT_SHA1, NONE }

    private final Kind kind;
    private final String expected;
    private final long size;
    private final MessageDigest digest;

    private Checksum(Kind kind, String expected, long size) {
        this.kind = kind;
        this.expected = expected;
        this.size = size;
        try {
            this.digest = switch (kind) {
                case SHA256 -> MessageDigest.getInstance("SHA-256");
                case GIT_SHA1 -> MessageDigest.getInstance("SHA-1");
                case NONE -> null;
            };
        } catch (NoSuchAlgorithmException e) {
            throw new SprintException("the JDK lacks " + kind, e); // every JDK has SHA-1 and SHA-256
        }
        reset();
    }

    static Checksum forEtag(String etag, long size) {
        if (etag.matches("[0-9a-f]{64}")) return new Checksum(Kind.SHA256, etag, size);
        if (etag.matches("[0-9a-f]{40}")) return new Checksum(Kind.GIT_SHA1, etag, size);
        return new Checksum(Kind.NONE, etag, size);
    }

    Kind kind() {
        return kind;
    }

    /** Back to zero bytes (a transfer restarting from the beginning). */
    void reset() {
        if (digest == null) return;
        digest.reset();
        if (kind == Kind.GIT_SHA1) digest.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    /** Feeds the buffer's remaining bytes without moving its position. */
    void update(ByteBuffer b) {
        if (digest != null) digest.update(b.duplicate());
    }

    void update(byte[] b, int off, int len) {
        if (digest != null) digest.update(b, off, len);
    }

    /** The hex digest of what was fed (consumes the digest state), or null for {@link Kind#NONE}. */
    String finish() {
        return digest == null ? null : HexFormat.of().formatHex(digest.digest());
    }

    String expected() {
        return expected;
    }

    /** The name of the check for messages. */
    String label() {
        return switch (kind) {
            case SHA256 -> "sha256";
            case GIT_SHA1 -> "git blob sha1";
            case NONE -> "size";
        };
    }
}
