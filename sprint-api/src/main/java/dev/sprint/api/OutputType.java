package dev.sprint.api;

/** What {@code generate} returns: decoded images, or the final latents for callers that post-process. */
public enum OutputType {
    IMAGE,
    LATENT
}
