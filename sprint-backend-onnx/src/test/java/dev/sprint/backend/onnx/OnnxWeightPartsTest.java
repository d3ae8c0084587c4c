package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.api.BackendException;
import dev.sprint.core.io.LargeTensorFiles;
import dev.sprint.core.io.SafetensorsFile;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A weight larger than one buffer becomes row blocks (joined by a Concat in the graph); conversion on the way. */
class OnnxWeightPartsTest {
    @TempDir
    Path tmp;

    @Test
    void rowBlocksCoverTheTensorInOrder() {
        long rows = 37;
        long cols = 64;
        try (SafetensorsFile f = SafetensorsFile.open(LargeTensorFiles.write(tmp, "BF16", rows, cols))) {
            var data = f.data("big", null);
            long limit = 10 * cols * 4 + 100; // 10 float32 rows per block
            List<HostTensor> parts = OnnxBackend.weightParts(data, DType.F32, limit);
            assertEquals(4, parts.size());
            long total = 0;
            for (HostTensor p : parts) {
                assertEquals(DType.F32, p.dtype());
                assertEquals(cols, p.shape()[1]);
                total += p.shape()[0];
            }
            assertEquals(rows, total);
            float[] first = parts.get(0).toFloats();
            float[] last = parts.get(3).toFloats();
            float[] want0 = new float[(int) cols];
            float[] wantN = new float[(int) cols];
            for (int c = 0; c < cols; c++) {
                want0[c] = LargeTensorFiles.value(0, c);
                wantN[c] = LargeTensorFiles.value(rows - 1, c);
            }
            assertArrayEquals(want0, java.util.Arrays.copyOfRange(first, 0, (int) cols));
            assertArrayEquals(wantN, java.util.Arrays.copyOfRange(last, last.length - (int) cols, last.length));
            assertThrows(BackendException.class, () -> OnnxBackend.weightParts(data, DType.F32, cols * 4 - 1));
        }
    }
}
