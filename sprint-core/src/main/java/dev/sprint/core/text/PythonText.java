package dev.sprint.core.text;

import java.util.Locale;

/**
 * Python 3.11 {@code str} semantics that prompt preprocessing depends on, where Java differs:
 * <ul>
 *   <li>{@link #strip}: Python's whitespace set, which includes NBSP (U+00A0), U+0085, U+1680,
 *       U+2000..U+200A, U+2028/2029, U+202F, U+205F, U+3000 and the separators U+001C..U+001F
 *       ({@link String#strip()} keeps NBSP and U+202F, and strips U+001C..U+001F only by accident of
 *       {@code Character.isWhitespace}).</li>
 *   <li>{@link #lower}: full Unicode lower-casing ({@code 'İ'} becomes {@code "i̇"}, two code points),
 *       Python's final-sigma rule, and the Unicode 14 case pairs that Java 17 (Unicode 13) lacks.</li>
 * </ul>
 */
public final class PythonText {
    private PythonText() {}

    /** Python {@code str.isspace()} for one code point. */
    public static boolean isSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                    0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Python {@code s.strip()} (no arguments). */
    public static String strip(String s) {
        int start = 0;
        int end = s.length();
        // every Python space is in the BMP, so char-wise scanning is exact
        while (start < end && isSpace(s.charAt(start))) start++;
        while (end > start && isSpace(s.charAt(end - 1))) end--;
        return s.substring(start, end);
    }

    /** Python {@code s.lower()}. */
    public static String lower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp == 0x03A3) {
                out.append(isFinalSigma(s, i) ? 'ς' : 'σ');
            } else {
                int extra = unicode14Lower(cp);
                if (extra >= 0) {
                    out.appendCodePoint(extra);
                } else {
                    // One code point at a time: in the root locale Java's only context-dependent rule is
                    // final sigma, handled above; unconditional special casing (İ → i̇) is kept.
                    out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
                }
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** Python's rule: cased, case-ignorable*, Σ, and not followed by case-ignorable*, cased. */
    private static boolean isFinalSigma(String s, int i) {
        int j = i;
        int before = -1;
        while (j > 0) {
            int c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!isCaseIgnorable(c)) {
                before = c;
                break;
            }
        }
        if (before < 0 || !isCased(before)) return false;
        j = i + 1;
        while (j < s.length()) {
            int c = s.codePointAt(j);
            j += Character.charCount(c);
            if (!isCaseIgnorable(c)) return !isCased(c);
        }
        return true;
    }

    /** Unicode property Cased. */
    static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode property Case_Ignorable: Word_Break MidLetter / MidNumLet / Single_Quote, or Mn, Me, Cf, Lm, Sk. */
    static boolean isCaseIgnorable(int cp) {
        switch (cp) {
            // Word_Break = Single_Quote, MidNumLet, MidLetter
            case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
                    0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
                return true;
            default:
                break;
        }
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL -> true;
            default -> false;
        };
    }

    /** Lower-case pairs added in Unicode 14 (Python 3.11) that Java 17's Unicode 13 tables lack; -1 if none. */
    private static int unicode14Lower(int cp) {
        if (cp == 0x2C2F) return 0x2C5F;
        if (cp == 0xA7C0 || cp == 0xA7D0 || cp == 0xA7D6 || cp == 0xA7D8) return cp + 1;
        // Vithkuqi capitals U+10570..U+10595 (with gaps at 1057B, 1058B, 10593) map 0x27 up
        if (cp >= 0x10570 && cp <= 0x10595 && cp != 0x1057B && cp != 0x1058B && cp != 0x10593) return cp + 0x27;
        return -1;
    }
}
