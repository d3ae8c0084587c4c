package dev.sprint.core.sana;

import dev.sprint.core.rng.TorchGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a generation's noise comes from: one PyTorch-compatible generator for the whole batch (diffusers
 * with one {@code torch.Generator}), or one per image (a list of generators: each draws its image's slice).
 */
final class Noise {
    private final TorchGenerator single;
    private final List<TorchGenerator> perImage;

    private Noise(TorchGenerator single, List<TorchGenerator> perImage) {
        this.single = single;
        this.perImage = perImage;
    }

    static Noise of(long seed, List<Long> seeds, int batch) {
        if (seeds == null) return new Noise(new TorchGenerator(seed), null);
        List<TorchGenerator> g = new ArrayList<>(batch);
        for (Long s : seeds) g.add(new TorchGenerator(s));
        return new Noise(null, g);
    }

    /** Standard normal values of {@code shape} (batch first), float32, in the reference's draw order. */
    float[] randn(long[] shape) {
        if (single != null) return single.randn(shape);
        long[] one = shape.clone();
        one[0] = 1;
        int per = Math.toIntExact(dev.sprint.core.tensor.HostTensor.numel(one));
        float[] out = new float[per * perImage.size()];
        for (int i = 0; i < perImage.size(); i++) {
            System.arraycopy(perImage.get(i).randn(one), 0, out, i * per, per);
        }
        return out;
    }
}
