package dev.sprint.swd.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.swd.mmdit.SwdFixtures;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SD3.5's 16-channel AutoencoderKL against diffusers (golden {@code vae}): decode of scaled latents
 * (float and uint8), encoder posterior (mean, clamped logvar, std), scaled mode and a sample with the
 * stored eps. README metric: max|d| ≤ 1e-5·max|ref| + 1e-6; uint8 |d| ≤ 1 on ≤ 0.5 % of values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AutoencoderKLParityTest {
    protected abstract TensorBackend backend();

    private AutoencoderKL vae;
    private Map<String, HostTensor> c;

    @BeforeAll
    void load() {
        vae = AutoencoderKL.load(Golden.swd().resolve("model/vae"), backend());
        c = SwdFixtures.load("vae");
    }

    @AfterAll
    void close() {
        vae.close();
    }

    @Test
    void decode() {
        TensorBackend be = backend();
        assertEquals(8, vae.spatialCompression());
        Tensor z = be.upload(Golden.get(c, "latents"), be.floatType());
        Tensor img = vae.decode(vae.toVaeSpace(z));
        Golden.assertShape("decoded", img.shape(), Golden.get(c, "decoded"));
        float[] px = be.toFloats(img);
        SwdFixtures.assertNear("decoded", px, Golden.get(c, "decoded"), 1e-5, 1e-6);
        byte[][] rgb = ImageProcessing.toRgb8(px, 1, (int) img.size(2), (int) img.size(3));
        SwdFixtures.assertImage("decoded uint8", rgb[0], Golden.get(c, "decoded_uint8_nhwc"));
    }

    @Test
    void encode() {
        TensorBackend be = backend();
        Tensor[] post = vae.encode(be.upload(Golden.get(c, "image"), be.floatType()));
        SwdFixtures.assertNear("posterior mean", be.toFloats(post[0]), Golden.get(c, "posterior_mean"), 1e-5, 1e-6);
        SwdFixtures.assertNear("posterior logvar", be.toFloats(post[1]), Golden.get(c, "posterior_logvar"), 1e-5, 1e-6);
        Tensor std = be.exp(post[1].mul(0.5));
        SwdFixtures.assertNear("posterior std", be.toFloats(std), Golden.get(c, "posterior_std"), 1e-5, 1e-6);
        SwdFixtures.assertNear("scaled mode", be.toFloats(vae.toScaledSpace(post[0])),
                Golden.get(c, "encoded_scaled_mode"), 1e-5, 1e-6);
        // sample = mean + std·eps, then to sampler space
        Tensor eps = be.upload(Golden.get(c, "sample_eps"), be.floatType());
        Tensor sample = vae.toScaledSpace(post[0].add(std.mul(eps)));
        SwdFixtures.assertNear("scaled sample", be.toFloats(sample), Golden.get(c, "encoded_scaled_sample"), 1e-5, 1e-6);
    }
}
