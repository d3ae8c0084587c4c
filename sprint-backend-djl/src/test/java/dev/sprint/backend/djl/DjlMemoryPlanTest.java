package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.MemoryMode;
import dev.sprint.api.Pipeline;
import dev.sprint.api.VaeTiling;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.plan.MemoryBudget;
import dev.sprint.core.plan.MemoryPlan;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory plan on a real eager backend: low-memory mode (components loaded by their stage, released for
 * another's; block stacks streamed when a group does not fit whole) gives the images of resident mode; the plan's
 * byte estimates match what the backend holds; AUTO decides by the budget; a request that cannot fit is refused
 * before any work; tiling is chosen only when it alone fits.
 */
class DjlMemoryPlanTest {
    private static final GenerationRequest T2I = GenerationRequest.builder().prompt("a red fox in the snow, watercolor")
            .steps(2).seed(42).size(160, 96).resolutionBinning(false).build();

    private static DjlBackend backend() {
        return (DjlBackend) new DjlBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));
    }

    private static Pipeline open(Pipeline.Builder b) {
        return CorePipelineFactory.open(b.model(Golden.sana().resolve("model")).settings(), backend());
    }

    private static MemoryPlan plan(Pipeline p) {
        return ((DiffusionPipeline<?>) p).memoryPlan();
    }

    private static BufferedImage input() {
        BufferedImage img = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 96; x++) img.setRGB(x, y, (x * 2) << 16 | (y * 3) << 8 | ((x + y) & 0xFF));
        return img;
    }

    private static List<GeneratedImage> run(Pipeline p) {
        GeneratedImage a = p.generate(T2I).image();
        GeneratedImage b = p.generate(T2I.toBuilder().image(input()).strength(0.6).size(96, 64).build()).image();
        return List.of(a, b);
    }

    @Test
    void lowMemoryGivesTheResidentImagesAndReloadsEachStage() {
        List<GeneratedImage> resident;
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.RESIDENT))) {
            assertEquals(MemoryMode.RESIDENT, plan(p).mode());
            resident = run(p);
        }
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.LOW))) {
            assertEquals(MemoryMode.LOW, plan(p).mode());
            DiffusionPipeline<?> d = (DiffusionPipeline<?>) p;
            assertTrue(d.components().list().stream().noneMatch(Component::isLoaded), "nothing loaded before a call");
            List<GeneratedImage> low = run(p);
            for (int i = 0; i < 2; i++) assertArrayEquals(resident.get(i).rgb(), low.get(i).rgb(), "image " + i);
            Component<?> text = d.components().list().stream().filter(c -> c.name().equals("text_encoder")).findFirst().orElseThrow();
            assertEquals(2, text.loads(), "the text encoder is released by the denoise stage and loaded again by the next call");
            assertFalse(text.isLoaded());
        }
    }

    @Test
    void streamedBlocksGiveTheSameImages() {
        // a long prompt on a small image: the text stage is the largest one
        GenerationRequest wordy = T2I.toBuilder().prompts(List.of("a red fox in the fresh snow at dawn, watercolor ".repeat(30)))
                .size(64, 32).steps(1).build();
        GenerationRequest twoSteps = wordy.toBuilder().steps(2).build();
        GeneratedImage[] resident = new GeneratedImage[2];
        long textNeed;
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.RESIDENT))) {
            resident[0] = p.generate(wordy).image();
            resident[1] = p.generate(twoSteps).image();
            var needs = plan(p).stageNeeds(wordy);
            textNeed = needs.get("text_encoder");
            long others = needs.entrySet().stream().filter(e -> !e.getKey().equals("text_encoder")).mapToLong(e -> e.getValue()).max().orElse(0);
            assertTrue(textNeed > others, "the text stage is the largest: " + needs);
            assertFalse(plan(p).streams("text_encoder"));
        }
        // asked for LOW: block stacks always stream
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.LOW))) {
            assertTrue(plan(p).streams("text_encoder"), "LOW streams the text encoder's layers");
            assertTrue(plan(p).residentBytes("text_encoder") < plan(p).weights().get("text_encoder"));
            assertArrayEquals(resident[0].rgb(), p.generate(wordy).image().rgb(), "1 step");
            assertArrayEquals(resident[1].rgb(), p.generate(twoSteps).image().rgb(), "2 steps");
        }
        // AUTO falls back to LOW and streams only what cannot be held whole next to its stage
        try (Pipeline p = open(Pipeline.builder().with(MemoryBudget.of(textNeed - 1)))) {
            assertEquals(MemoryMode.LOW, plan(p).mode());
            assertTrue(plan(p).streams("text_encoder"), "one byte short of holding it whole: its layers stream");
            assertArrayEquals(resident[0].rgb(), p.generate(wordy).image().rgb(), "1 step");
        }
    }

    @Test
    void estimatesMatchWhatTheBackendHolds() {
        DjlBackend be = backend();
        long before = be.rootArrayBytes();
        try (Pipeline p = CorePipelineFactory.open(Pipeline.builder().model(Golden.sana().resolve("model"))
                .memory(MemoryMode.RESIDENT).settings(), be)) {
            long held = be.rootArrayBytes() - before;
            long planned = plan(p).totalWeights();
            double ratio = (double) planned / held;
            assertTrue(ratio > 0.9 && ratio < 1.1, "planned " + planned + " bytes, the backend holds " + held);
        }
    }

    @Test
    void autoChoosesByTheBudgetAndRefusesWhatCannotFit() {
        GenerationRequest plain = GenerationRequest.of("a photo of a cat"); // what AUTO plans with: the model's defaults
        long resident;
        long low;
        try (Pipeline p = open(Pipeline.builder())) {
            assertEquals(MemoryMode.RESIDENT, plan(p).mode(), "the tiny model fits this machine");
            resident = plan(p).admit(plain).needed();
        }
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.LOW))) {
            low = plan(p).admit(plain).needed();
        }
        assertTrue(low < resident, "low memory needs less: " + low + " vs " + resident);
        // room for the largest group and its stage, not for all groups at once
        try (Pipeline p = open(Pipeline.builder().with(MemoryBudget.of((low + resident) / 2)))) {
            assertEquals(MemoryMode.LOW, plan(p).mode());
            p.generate(T2I);
        }
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.RESIDENT).with(MemoryBudget.of(1 << 16)))) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> p.generate(T2I));
            assertTrue(e.getMessage().contains("needs about") && e.getMessage().contains("MemoryMode.LOW"), e.getMessage());
            assertThrows(InvalidRequestException.class, () -> p.generate(T2I), "still refused, nothing ran");
        }
    }

    @Test
    void tilingOnlyWhenItAloneFits() {
        // 1024x640: a latent of 32x20, larger than one 512-pixel tile
        GenerationRequest big = T2I.toBuilder().size(1024, 640).steps(1).build();
        MemoryPlan.Estimate e;
        long weights;
        GeneratedImage untiled;
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.RESIDENT))) {
            e = plan(p).estimate(big);
            weights = plan(p).totalWeights();
            untiled = p.generate(big).image();
        }
        assertTrue(e.tiledDecode() > 0 && e.tiledDecode() < e.peaks().get("decode"), "tiles bound the decoder: " + e);
        long others = e.peaks().entrySet().stream().filter(s -> !s.getKey().equals("decode")).mapToLong(s -> s.getValue()).max().orElse(0);
        long needTiled = weights + (long) (1.25 * Math.max(others, e.tiledDecode()));
        long needUntiled = weights + (long) (1.25 * Math.max(others, e.peaks().get("decode")));
        assertTrue(needTiled < needUntiled, "the decode is the largest stage at this size: " + e);
        long between = (needTiled + needUntiled) / 2;
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.RESIDENT).with(MemoryBudget.of(between)))) {
            assertTrue(plan(p).admit(big).tiled(), "only a tiled decode fits " + MemoryBudget.gb(between));
            GeneratedImage tiled = p.generate(big).image();
            assertEquals(untiled.width(), tiled.width());
            assertFalse(java.util.Arrays.equals(untiled.rgb(), tiled.rgb()), "a tiled decode differs near tile borders");
        }
        try (Pipeline p = open(Pipeline.builder().memory(MemoryMode.RESIDENT).vaeTiling(VaeTiling.OFF).with(MemoryBudget.of(between)))) {
            assertThrows(InvalidRequestException.class, () -> p.generate(big), "tiling off: refused");
        }
    }
}
