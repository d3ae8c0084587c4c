package dev.sprint.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sprint.core.io.SafetensorsFile;
import dev.sprint.core.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Access to the vendored golden data ({@code golden/} at the repository root) and the parity
 * metrics of its READMEs. A missing fixture fails the test; it is never skipped.
 */
public final class Golden {
    private Golden() {}

    /** The repository's {@code golden/} folder (system property sprint.golden.dir, else searched upwards). */
    public static Path dir() {
        String p = System.getProperty("sprint.golden.dir");
        if (p != null && Files.isDirectory(Path.of(p))) return Path.of(p);
        Path d = Path.of("").toAbsolutePath();
        while (d != null) {
            if (Files.isDirectory(d.resolve("golden/sana-sprint"))) return d.resolve("golden");
            d = d.getParent();
        }
        fail("golden/ folder not found above " + Path.of("").toAbsolutePath());
        return null;
    }

    /** {@code golden/sana-sprint} */
    public static Path sana() {
        return require(dir().resolve("sana-sprint"));
    }

    /** {@code golden/swd} */
    public static Path swd() {
        return require(dir().resolve("swd"));
    }

    /** {@code golden/taesd}: a tiny random AutoencoderTiny and its reference outputs (bench/taesd). */
    public static Path taesd() {
        return require(dir().resolve("taesd"));
    }

    public static Path require(Path p) {
        if (!Files.exists(p)) fail("missing golden fixture " + p);
        return p;
    }

    /**
     * All tensors of a case file, copied to heap (so the file is closed at once).
     *
     * @param file e.g. {@code Golden.sana().resolve("cases/vae_decode_a.safetensors")}
     */
    public static Map<String, HostTensor> load(Path file) {
        require(file);
        Map<String, HostTensor> out = new HashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) {
                HostTensor t = f.get(n);
                ByteBuffer copy = ByteBuffer.allocate(t.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
                copy.put(t.data().duplicate());
                copy.flip();
                out.put(n, new HostTensor(t.dtype(), t.shape(), copy));
            }
        }
        return out;
    }

    /** A tensor of a loaded case, failing with the available names if absent. */
    public static HostTensor get(Map<String, HostTensor> c, String name) {
        HostTensor t = c.get(name);
        if (t == null) fail("case has no tensor '" + name + "'; it has " + new java.util.TreeSet<>(c.keySet()));
        return t;
    }

    /**
     * The goldens' component metric: max|a−b| ≤ tol·max(1, max|ref|) (READMEs suggest tol = 1e-4).
     * Returns the achieved max|a−b| / max(1, max|ref|).
     */
    public static double assertClose(String what, float[] actual, HostTensor expected, double tol) {
        float[] ref = expected.toFloats();
        if (actual.length != ref.length) {
            fail(what + ": " + actual.length + " values, expected " + ref.length + " " + expected);
        }
        double maxRef = 0;
        double maxErr = 0;
        int worst = -1;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            double e = Math.abs((double) actual[i] - ref[i]);
            if (!(e <= maxErr)) { // NaN-safe: NaN always becomes the worst
                maxErr = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                worst = i;
            }
        }
        return relativeError(what, maxErr, maxRef, tol, worst, i -> actual[i], i -> ref[i]);
    }

    /**
     * max|a−b| / max(1, max|ref|), failing above {@code tol} with the worst element ({@code worst}, read through
     * {@code got} / {@code want}) in the message.
     */
    public static double relativeError(String what, double maxErr, double maxRef, double tol, int worst,
                                       IntToDoubleFunction got, IntToDoubleFunction want) {
        double rel = maxErr / Math.max(1.0, maxRef);
        if (!(rel <= tol)) {
            fail(String.format("%s: max|a-b| = %.3g at %d (got %s, want %s), max|ref| = %.3g, rel %.3g > %.3g",
                    what, maxErr, worst, got.applyAsDouble(worst), want.applyAsDouble(worst), maxRef, rel, tol));
        }
        return rel;
    }

    /** Shape check. */
    public static void assertShape(String what, long[] actual, HostTensor expected) {
        assertArrayEquals(expected.shape(), actual, what + ": shape");
    }

    /** A (B, L) integer tensor (a token mask) as {@code [B][L]}. */
    public static long[][] rows(HostTensor t) {
        long[] flat = t.toLongs();
        int b = (int) t.shape()[0];
        int l = (int) t.shape()[1];
        long[][] out = new long[b][l];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * l, out[i], 0, l);
        return out;
    }

    /**
     * The Sana goldens' uint8 image tolerance (golden/sana-sprint/README.md): |Δ| ≤ 2 everywhere and at most 0.1 % of
     * the values differ. {@code want} holds the reference values from {@code offset} on (one image of a batch).
     */
    public static void assertImage(String what, byte[] got, long[] want, int offset) {
        if (want.length - offset < got.length) fail(what + ": " + got.length + " values, the reference has " + (want.length - offset));
        int maxDiff = 0;
        int differ = 0;
        for (int i = 0; i < got.length; i++) {
            int d = Math.abs((got[i] & 0xFF) - (int) want[offset + i]);
            maxDiff = Math.max(maxDiff, d);
            if (d != 0) differ++;
        }
        if (maxDiff > 2) fail(what + ": max |Δ| = " + maxDiff);
        if (differ > got.length * 0.001) fail(what + ": " + differ + " of " + got.length + " values differ");
    }

    /** {@link #assertImage(String, byte[], long[], int)} of a whole (H, W, 3) reference, sizes equal. */
    public static void assertImage(String what, byte[] got, HostTensor want) {
        long[] w = want.toLongs();
        if (w.length != got.length) fail(what + ": " + got.length + " values, want " + w.length);
        assertImage(what, got, w, 0);
    }

    /** An (H, W, 3) uint8 tensor as an RGB image. */
    public static java.awt.image.BufferedImage image(HostTensor hwc) {
        int h = (int) hwc.shape()[0];
        int w = (int) hwc.shape()[1];
        long[] px = hwc.toLongs();
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                img.setRGB(x, y, (int) (px[i] << 16 | px[i + 1] << 8 | px[i + 2]));
            }
        }
        return img;
    }
}
