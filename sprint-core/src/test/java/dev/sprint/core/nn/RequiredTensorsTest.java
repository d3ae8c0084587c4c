package dev.sprint.core.nn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.dcae.AutoencoderDCConfig;
import dev.sprint.core.gemma.Gemma2Config;
import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.sana.SanaTransformer2DModel;
import dev.sprint.core.sana.SanaTransformerConfig;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The architecture comes from config.json alone: for every tensor of the tiny transformer, DC-AE and Gemma,
 * a checkpoint without it fails to load with a {@link ModelLoadException} naming it (a model that decided
 * from the tensors present would load and silently compute something else).
 */
class RequiredTensorsTest {
    /** A checkpoint with one tensor hidden. */
    private record Without(WeightSource inner, String hidden) implements WeightSource {
        @Override
        public Set<String> names() {
            Set<String> s = new HashSet<>(inner.names());
            s.remove(hidden);
            return s;
        }

        @Override
        public HostTensor get(String name) {
            if (name.equals(hidden)) throw new ModelLoadException("hidden " + name);
            return inner.get(name);
        }

        @Override
        public String origin(String name) {
            return inner.origin(name);
        }

        @Override
        public void close() {}
    }

    private static <C> void checkEach(String component, Function<Config, C> config, ModelLoader.Constructor<C, ?> model) {
        Path dir = Golden.sana().resolve("model/" + component);
        C cfg = config.apply(Config.read(dir.resolve("config.json")));
        ReferenceBackend be = new ReferenceBackend();
        try (WeightSource all = Checkpoints.open(dir)) {
            List<String> names = new TreeSet<>(all.names()).stream().toList();
            assertFalse(names.isEmpty());
            for (String name : names) {
                ModelLoadException e = assertThrows(ModelLoadException.class,
                        () -> ModelLoader.build(cfg, new Without(all, name), be, model), component + " without " + name);
                assertTrue(e.getMessage().contains("'" + name + "'"), component + " without " + name + ": " + e.getMessage());
                assertTrue(e.getMessage().contains(component), "names the file: " + e.getMessage());
            }
        }
    }

    static Stream<Arguments> components() {
        return Stream.of(Arguments.of("transformer"), Arguments.of("vae"), Arguments.of("text_encoder"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("components")
    void everyTensorIsRequired(String component) {
        switch (component) {
            case "transformer" -> checkEach(component, SanaTransformerConfig::from, SanaTransformer2DModel::new);
            case "vae" -> checkEach(component, AutoencoderDCConfig::from, AutoencoderDC::new);
            default -> checkEach(component, Gemma2Config::from, Gemma2Model::new);
        }
    }
}
