package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.io.LargeTensorFiles;
import dev.sprint.core.io.SafetensorsFile;
import dev.sprint.core.nn.Embedding;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights larger than one Java buffer (2 GiB) after conversion, streamed from a sparse checkpoint. */
class DjlLargeWeightTest extends DjlBackends.PerTest {
    @TempDir
    Path tmp;

    private void checkEnds(Tensor w, long rows, long cols) {
        assertArrayEquals(new long[] {rows, cols}, w.shape());
        for (long r : new long[] {0, rows / 2, rows - 1}) {
            try (Scope s = be.newScope()) {
                float[] row = be.toFloats(w.slice(0, r, r + 1));
                for (int c = 0; c < cols; c++) {
                    float want = r == 0 || r == rows - 1 ? LargeTensorFiles.value(r, c) : 0f;
                    if (row[c] != want) throw new AssertionError("row " + r + " col " + c + ": " + row[c] + " != " + want);
                }
            }
        }
    }

    /** A (rows, cols) weight of the dtype taken through {@link Weights}: its first, middle and last rows read back right. */
    private void takeAndCheck(String dtype, long rows, long cols) {
        try (SafetensorsFile f = SafetensorsFile.open(LargeTensorFiles.write(tmp, dtype, rows, cols))) {
            Tensor w = new Weights(f, be).take("big", rows, cols);
            checkEnds(w, rows, cols);
            w.close();
        }
    }

    @Test
    void bf16WeightOverTwoGibAsFloat32() {
        long cols = 1024;
        long rows = (1L << 29) / cols + 1; // 2^29 + 1024 elements: 2 GiB + 4 KiB as float32
        assertTrue(rows * cols * 4 > Integer.MAX_VALUE);
        takeAndCheck("BF16", rows, cols);
    }

    @Test
    void float32WeightOverTwoGibIsStreamedNotMapped() {
        long cols = 4096;
        takeAndCheck("F32", (1L << 29) / cols + 2, cols);
    }

    @Test
    void hostEmbeddingLookupEqualsTheDeviceLookup() {
        long rows = 3000;
        long cols = 96;
        for (String dtype : new String[] {"BF16", "F16", "F32"}) {
            Path dir = tmp.resolve(dtype);
            assertTrue(dir.toFile().mkdirs());
            try (SafetensorsFile f = SafetensorsFile.open(LargeTensorFiles.write(dir, "emb.weight", dtype, rows, cols));
                 Scope s = be.newScope()) {
                long[][] ids = {{0, rows - 1, 5, 0}, {rows - 1, 1, 2, rows - 1}};
                Embedding e = new Embedding(new Weights(f, be).sub("emb"), rows, cols);
                float[] host = be.toFloats(e.forward(be, ids, "test"));
                Tensor table = be.weight(f.data("emb.weight", null));
                long[] flat = {0, rows - 1, 5, 0, rows - 1, 1, 2, rows - 1};
                float[] device = be.toFloats(be.indexSelect(table, 0, be.fromLongs(flat, flat.length)));
                assertArrayEquals(device, host, dtype);
                assertEquals(LargeTensorFiles.value(0, 3), host[3], dtype);
            }
        }
    }
}
