package dev.sprint.api.spi;

import java.util.List;

/**
 * Result of a cheap {@link BackendProvider#probe()}.
 *
 * @param usable  whether {@link BackendProvider#open} can be expected to work on some device
 * @param reason  why not, or a short note when usable (e.g. "CUDA libraries not found; CPU only")
 * @param devices devices it can use, e.g. ["cpu", "cuda:0"]
 */
public record Availability(boolean usable, String reason, List<String> devices) {
    public Availability {
        devices = List.copyOf(devices);
    }

    public static Availability usable(String note, List<String> devices) {
        return new Availability(true, note, devices);
    }

    public static Availability unusable(String reason) {
        return new Availability(false, reason, List.of());
    }
}
