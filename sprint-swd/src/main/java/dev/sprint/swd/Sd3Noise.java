package dev.sprint.swd;

import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.tensor.HostTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Noise of one SD3 generation: one torch-compatible generator for the batch, or one per image. The
 * AVX2 kernel of torch's CPU {@code randn} is reproduced (what x86-64 PyTorch builds run, and what the
 * SwD references were made with).
 */
final class Sd3Noise {
    private final TorchGenerator single;
    private final List<TorchGenerator> perImage;

    Sd3Noise(long seed, List<Long> seeds) {
        if (seeds == null) {
            single = new TorchGenerator(seed, TorchGenerator.CpuCapability.AVX2);
            perImage = null;
        } else {
            single = null;
            perImage = new ArrayList<>();
            for (Long s : seeds) perImage.add(new TorchGenerator(s, TorchGenerator.CpuCapability.AVX2));
        }
    }

    float[] randn(long[] shape) {
        if (single != null) return single.randn(shape);
        long[] one = shape.clone();
        one[0] = 1;
        int per = Math.toIntExact(HostTensor.numel(one));
        float[] out = new float[per * perImage.size()];
        for (int i = 0; i < perImage.size(); i++) System.arraycopy(perImage.get(i).randn(one), 0, out, i * per, per);
        return out;
    }
}
