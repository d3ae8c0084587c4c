package dev.sprint.server;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.RequestOption;
import dev.sprint.api.SprintException;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What must match for two requests to share one batched forward pass: everything but prompts, seeds and
 * images-per-prompt (size, steps, timesteps, guidance, negative prompt, binning, text options, output type),
 * the pixels of any input image, and the family options' batch keys ({@link RequestOption#batchKey()}: a
 * control image by its pixels).
 *
 * @param shape   the request with prompts, seed, seeds, image and options cleared
 * @param image   SHA-256 of the img2img input's pixels, or null
 * @param options the batch keys of the request's typed options
 */
record BatchKey(GenerationRequest shape, String image, List<Object> options) {

    static BatchKey of(GenerationRequest r) {
        GenerationRequest shape = new GenerationRequest(List.of(), r.negativePrompt(), r.width(), r.height(), r.steps(),
                r.timesteps(), r.maxTimestep(), r.intermediateTimestep(), r.guidanceScale(), null, null, 1,
                r.maxSequenceLength(), r.resolutionBinning(), r.instruction(), r.normalizePrompt(), null, r.strength(),
                r.output(), List.of(), r.previewEvery());
        return new BatchKey(shape, digest(r.image()), r.options().stream().map(RequestOption::batchKey).toList());
    }

    private static String digest(BufferedImage img) {
        if (img == null) return null;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            int w = img.getWidth();
            int h = img.getHeight();
            md.update(ByteBuffer.allocate(8).putInt(w).putInt(h).array());
            int[] row = new int[w];
            ByteBuffer bytes = ByteBuffer.allocate(w * 4);
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                bytes.clear();
                bytes.asIntBuffer().put(row);
                md.update(bytes.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new SprintException("the JDK lacks SHA-256 (every JDK has it)", e);
        }
    }
}
