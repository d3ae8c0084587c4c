package dev.sprint.core.pipeline;

/**
 * How a model takes image sizes.
 *
 * @param defaultWidth  width when neither the request nor the pipeline sets one
 * @param defaultHeight height likewise
 * @param multiple      sizes must be multiples of this (pixels per latent cell × patch size), also the minimum
 * @param binningTable  whether the model has the 1024 aspect-ratio table (PixArt/Sana models with sample_size 32);
 *                      binning is then on by default, and asking for it elsewhere is an error
 */
public record SizeRule(int defaultWidth, int defaultHeight, int multiple, boolean binningTable) {}
