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
            String t = store.put(new byte[] {1}, "image/png");
            assertEquals(16, Base64.getUrlDecoder().decode(t).length, t);
            assertTrue(seen.add(t), "a token came twice");
        }
    }

    @Test
    void imagesExpireAfterTheirAge() {
        ImageStore store = new ImageStore(1 << 20, Duration.ofMinutes(5), clock);
        String a = store.put(new byte[] {1, 2, 3}, "image/png");
        clock.advance(Duration.ofMinutes(3));
        String b = store.put(new byte[] {4}, "image/jpeg");
        assertArrayEquals(new byte[] {1, 2, 3}, store.get(a).bytes());
        assertEquals("image/jpeg", store.get(b).contentType());
        clock.advance(Duration.ofMinutes(2));
        assertNull(store.get(a), "5 minutes old: gone");
        assertNotNull(store.get(b));
        assertEquals(1, store.bytes());
        clock.advance(Duration.ofMinutes(3));
        assertNull(store.get(b));
        assertEquals(0, store.bytes());
    }

    @Test
    void aFullStoreDropsTheOldestImages() {
        ImageStore store = new ImageStore(10, Duration.ofHours(1), clock);
        String a = store.put(new byte[4], "image/png");
        String b = store.put(new byte[4], "image/png");
        String c = store.put(new byte[4], "image/png"); // 12 > 10: a goes
        assertNull(store.get(a));
        assertNotNull(store.get(b));
        assertNotNull(store.get(c));
        assertEquals(8, store.bytes());
        String d = store.put(new byte[10], "image/png"); // needs the whole store
        assertNull(store.get(b));
        assertNull(store.get(c));
        assertNotNull(store.get(d));
        ApiError tooBig = assertThrows(ApiError.class, () -> store.put(new byte[11], "image/png"));
        assertEquals("image_store_full", tooBig.code);
        assertNotNull(store.get(d), "a rejected image takes nothing away");
    }
}
