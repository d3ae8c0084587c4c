package dev.sprint.core.sana;

import dev.sprint.api.RequestOption;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.pipeline.GenerationRun;
import dev.sprint.core.spi.DenoiserHook;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Map;

/**
 * Extra conditioning of the base Sana denoiser that a module plugs into {@link SanaPipeline} (the ControlNet
 * of sprint-controlnet): the typed request option it reads, its validation before the call takes the lock,
 * and a per-call {@link DenoiserHook} that adds residuals into the transformer's blocks.
 *
 * @param <P> the validated per-request value (e.g. the control image and scale)
 */
public interface SanaConditioning<P> {
    /** The request option type it reads. */
    Class<? extends RequestOption> option();

    /**
     * Validates the request's option before any work; {@code option} is null when the request has none.
     *
     * @throws dev.sprint.api.InvalidRequestException when it is missing but required, or invalid
     */
    P prepare(RequestOption option);

    /**
     * What a hook may use while it is set up for one call.
     *
     * @param backend the backend
     * @param vae     the pipeline's DC-AE
     * @param width   generation width in pixels
     * @param height  generation height in pixels
     * @param rows    denoiser batch rows (doubled with classifier-free guidance)
     * @param run     the call (stages, timings, check points)
     */
    record Setup(TensorBackend backend, AutoencoderDC vae, int width, int height, int rows, GenerationRun run) {}

    /** The hook of one call; it runs inside the call's scope and is closed when the call ends. */
    DenoiserHook open(P prepared, Setup setup);

    /** Provenance entries of an image made with {@code prepared}. */
    Map<String, String> provenance(P prepared);

    /** Entries of {@link dev.sprint.api.Pipeline#describe()}. */
    Map<String, String> describe();
}
