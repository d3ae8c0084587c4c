package dev.sprint.api;

import java.util.Arrays;

/**
 * Final latents in PyTorch layout (B, C, h, w), float32, row-major, already divided by the
 * autoencoder's scaling (i.e. what the decoder takes).
 */
public record Latents(float[] data, long[] shape) {
    public Latents {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != data.length) {
            throw new InvalidRequestException("shape " + Arrays.toString(shape) + " does not match " + data.length + " values");
        }
    }
}
