package dev.sprint.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** Expected values were produced by CPython 3.11.7 ({@code str.strip()}, {@code str.lower()}, {@code str.isspace()}). */
class PythonTextTest {
    @Test
    void whitespaceSetIsPythons() {
        // every code point for which Python's str.isspace() is true
        int[] pySpaces = {0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002,
            0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
        java.util.Set<Integer> set = new java.util.HashSet<>();
        for (int c : pySpaces) set.add(c);
        for (int cp = 0; cp < 0x110000; cp++) assertEquals(set.contains(cp), PythonText.isSpace(cp), Integer.toHexString(cp));
    }

    @Test
    void strip() {
        assertEquals("x", PythonText.strip("\u00a0 x \u3000"));
        assertEquals("a", PythonText.strip("\u001c\u001d\u001e\u001fa\u0085"));
        assertEquals("\u200b x \u200b", PythonText.strip("\u200b x \u200b"), "ZERO WIDTH SPACE is not Python whitespace");
        assertEquals("\u180e x", PythonText.strip("\u180e x"));
        assertEquals("\ufeffx\ufeff", PythonText.strip("\ufeffx\ufeff"));
        assertEquals("\u2060", PythonText.strip("\u2007\u2060"));
        assertEquals("", PythonText.strip(" \t\r\n "));
        assertEquals("a\u00a0b", PythonText.strip("\u2003a\u00a0b\u2029"));
        assertFalse("\u00a0x".strip().equals("x"), "Java's strip() differs, which is why PythonText exists");
    }

    /** {input, str.lower(input)} pairs: the special cases of CPython's lower(), where Java's toLowerCase differs. */
    private static final String[][] LOWER = {
            {"\u0130stanbul", "i\u0307stanbul"},
            {"\u0391\u03a3", "\u03b1\u03c2"},
            {"\u03a3", "\u03c3"},
            {"\u0391\u03a3.", "\u03b1\u03c2."},
            {"\u0391.\u03a3", "\u03b1.\u03c2"},
            {"\u0391\u03a3'\u0391", "\u03b1\u03c3'\u03b1"},
            {"\u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3", "\u1f40\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2"},
            {"\u0391\u03a3\u0301", "\u03b1\u03c2\u0301"},
            {"A\u00ad\u03a3 b", "a\u00ad\u03c2 b"},
            {"\u01c5", "\u01c6"},
            {"\u1e9e", "\u00df"},
            {"\u03a9", "\u03c9"},
            {"\u212a", "k"},
            {"\ud801\udc00", "\ud801\udc28"}, // supplementary plane (Deseret)
            {"\u2c2f", "\u2c5f"}, // Unicode 14 pair (Python 3.11)
            {new String(Character.toChars(0x10570)), new String(Character.toChars(0x10597))},
    };

    @Test
    void lowerSpecialCases() {
        for (String[] c : LOWER) assertEquals(c[1], PythonText.lower(c[0]), c[0]);
    }

    @Test
    void goldenPromptPreprocessing() {
        JsonObject golden = GemmaFixture.cases();
        int n = 0;
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String prompt = c.get("prompt").getAsString();
            assertEquals(c.get("preprocessed").getAsString(), PythonText.strip(PythonText.lower(prompt)), prompt);
            n++;
        }
        assertTrue(n == 16);
    }
}
