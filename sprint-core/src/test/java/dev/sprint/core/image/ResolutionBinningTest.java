package dev.sprint.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Aspect-ratio binning and resize-and-crop against the golden resolution_binning case. */
class ResolutionBinningTest {
    @Test
    void classifiesLikeDiffusers() {
        // from cases.json: classify_height_width_bin(h, w) on ASPECT_RATIO_1024_BIN
        int[][] cases = {{1024, 1024, 1024, 1024}, {768, 1360, 768, 1344}, {1360, 768, 1344, 768},
            {500, 333, 1216, 832}, {96, 160, 768, 1280}, {2048, 512, 2048, 512}, {719, 1280, 768, 1344}};
        for (int[] c : cases) {
            assertArrayEquals(new int[] {c[2], c[3]}, ResolutionBinning.bin1024(c[0], c[1]), c[0] + "x" + c[1]);
        }
    }

    @Test
    void resizeAndCropMatchesReference() {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/resolution_binning.safetensors"));
        ReferenceBackend be = new ReferenceBackend();
        Tensor in = be.upload(Golden.get(c, "input"), be.floatType());
        Tensor a = ResolutionBinning.resizeAndCrop(in, 24, 30);
        HostTensor wantA = Golden.get(c, "resize_and_crop_w30_h24");
        Golden.assertShape("w30_h24", a.shape(), wantA);
        Golden.assertClose("w30_h24", be.toFloats(a), wantA, 1e-4);
        Tensor b = ResolutionBinning.resizeAndCrop(in, 32, 64);
        HostTensor wantB = Golden.get(c, "resize_and_crop_w64_h32");
        Golden.assertShape("w64_h32", b.shape(), wantB);
        Golden.assertClose("w64_h32", be.toFloats(b), wantB, 1e-4);
    }
}
