package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The url image store: unguessable tokens, nothing past its age, the oldest out first when full. */
class ImageStoreTest {
    private final MutableClock clock = new MutableClock();

    @Test
    void tokensAre128RandomBits() {
        ImageStore store = new ImageStore(1 << 20, Duration.ofMinutes(5), clock);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String t = store.put("k", new byte[] {1}, "image/png");
            assertEquals(16, Base64.getUrlDecoder().decode(t).length, t);
            assertTrue(seen.add(t), "a token came twice");
        }
    }

    @Test
    void anImageIsOnlyItsOwners() {
        ImageStore store = new ImageStore(1 << 20, Duration.ofMinutes(5), clock);
        String t = store.put("alice", new byte[] {7}, "image/png");
        assertNull(store.get(t, "bob"), "another key's image is unknown to bob");
        assertArrayEquals(new byte[] {7}, store.get(t, "alice").bytes());
    }

    @Test
    void imagesExpireAfterTheirAge() {
        ImageStore store = new ImageStore(1 << 20, Duration.ofMinutes(5), clock);
        String a = store.put("k", new byte[] {1, 2, 3}, "image/png");
        clock.advance(Duration.ofMinutes(3));
        String b = store.put("k", new byte[] {4}, "image/jpeg");
        assertArrayEquals(new byte[] {1, 2, 3}, store.get(a, "k").bytes());
        assertEquals("image/jpeg", store.get(b, "k").contentType());
        clock.advance(Duration.ofMinutes(2));
        assertNull(store.get(a, "k"), "5 minutes old: gone");
        assertNotNull(store.get(b, "k"));
        assertEquals(1, store.bytes());
        clock.advance(Duration.ofMinutes(3));
        assertNull(store.get(b, "k"));
        assertEquals(0, store.bytes());
    }

    @Test
    void aFullStoreDropsTheOldestImages() {
        ImageStore store = new ImageStore(10, Duration.ofHours(1), clock);
        String a = store.put("k", new byte[4], "image/png");
        String b = store.put("k", new byte[4], "image/png");
        String c = store.put("k", new byte[4], "image/png"); // 12 > 10: a goes
        assertNull(store.get(a, "k"));
        assertNotNull(store.get(b, "k"));
        assertNotNull(store.get(c, "k"));
        assertEquals(8, store.bytes());
        String d = store.put("k", new byte[10], "image/png"); // needs the whole store
        assertNull(store.get(b, "k"));
        assertNull(store.get(c, "k"));
        assertNotNull(store.get(d, "k"));
        ApiError tooBig = assertThrows(ApiError.class, () -> store.put("k", new byte[11], "image/png"));
        assertEquals("image_store_full", tooBig.code);
        assertNotNull(store.get(d, "k"), "a rejected image takes nothing away");
    }
}
