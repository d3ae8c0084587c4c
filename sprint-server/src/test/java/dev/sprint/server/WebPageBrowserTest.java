package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page at {@code /} in a real headless Chromium (Debian's {@code chromium} + {@code chromium-driver},
 * driven by Selenium): a prompt typed and submitted gives an image with its provenance and timings; while a
 * request waits the page shows its queue position, and Cancel cancels it; on a server with an API key the page
 * asks for the key and sends it. The page runs under the server's Content-Security-Policy (its script by hash).
 * The test fails, never skips, when Chromium is not installed (the {@code ./test} script installs it). A screenshot
 * goes to {@code target/serving-page.png} (docs/serving-page.png, shown in docs/serving.md, is a copy).
 */
class WebPageBrowserTest {
    private static final String CHROMIUM = System.getProperty("sprint.chromium", "/usr/bin/chromium");
    private static final String DRIVER = System.getProperty("sprint.chromedriver", "/usr/bin/chromedriver");

    private Path profile;
    private WebDriver browser;

    @BeforeEach
    void openBrowser() throws IOException {
        if (!new File(CHROMIUM).canExecute() || !new File(DRIVER).canExecute()) {
            fail("headless Chromium is needed for this test: " + CHROMIUM + " and " + DRIVER + " must exist"
                    + " (./test installs Debian's chromium and chromium-driver; elsewhere set SPRINT_CHROMIUM and SPRINT_CHROMEDRIVER)");
        }
        profile = Files.createTempDirectory("sprint-chromium-");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1200,1120");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, o);
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) browser.quit();
        if (profile != null) {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private WebDriverWait waiting(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }

    private WebElement el(String id) {
        return browser.findElement(By.id(id));
    }

    @Test
    void typingAPromptGivesAnImageWithItsProvenanceAndTimings() throws IOException {
        try (TinyServer tiny = new TinyServer(8)) {
            browser.get(tiny.server.url() + "/");
            waiting(20).until(d -> el("model").getText().contains(TinyServer.MODEL));
            assertTrue(el("negative-box").getAttribute("class").contains("hidden"), "SANA-Sprint has no negative prompt");
            assertTrue(!el("img2img-box").getAttribute("class").contains("hidden"), "SANA-Sprint offers img2img");
            el("prompt").sendKeys("a red fox in the snow, watercolor");
            new Select(el("steps")).selectByVisibleText("2");
            el("width").sendKeys("128");
            el("height").sendKeys("128");
            el("seed").sendKeys("7");
            el("guidance").sendKeys("4.5");
            el("generate").click();
            // the result box opens with the first streamed preview; the final image comes with "Done"
            waiting(120).until(d -> el("status").getText().startsWith("Done") || !el("error").getText().isEmpty());
            assertEquals("", el("error").getText(), "the page shows no error");
            String src = el("result").getAttribute("src");
            assertTrue(src.startsWith("data:image/png;base64,"), src.substring(0, Math.min(60, src.length())));
            Object width = ((JavascriptExecutor) browser).executeScript(
                    "const i = document.getElementById('result'); return i.complete ? i.naturalWidth : -1;");
            assertEquals(128L, width, "the decoded image is 128 px wide");
            String provenance = el("provenance").getText();
            assertTrue(provenance.contains("sprint:seed 7"), provenance);
            assertTrue(provenance.contains("sprint:prompt a red fox in the snow, watercolor"), provenance);
            assertTrue(provenance.contains("sprint:size 128x128"), provenance);
            String timings = el("timings").getText();
            assertTrue(timings.contains("text_encoder") && timings.contains("decode") && timings.contains("queue"), timings);
            assertTrue(el("status").getText().startsWith("Done"), el("status").getText());
            Path shot = Path.of("target", "serving-page.png");
            Files.createDirectories(shot.getParent());
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void onAServerWithAKeyThePageAsksForItAndSendsIt() {
        try (TinyServer tiny = new TinyServer(8, b -> b.apiKeys(java.util.List.of("page-key-0123456789")), p -> p)) {
            browser.get(tiny.server.url() + "/");
            waiting(20).until(d -> el("model").getText().contains("needs an API key"));
            el("api-key").sendKeys("wrong-key");
            el("use-key").click();
            waiting(20).until(d -> el("model").getText().contains("not accepted"));
            el("api-key").sendKeys("page-key-0123456789");
            el("use-key").click();
            waiting(20).until(d -> el("model").getText().contains(TinyServer.MODEL));
            assertTrue(el("key-form").getAttribute("class").contains("hidden"), "the key form goes away once the key works");
            el("prompt").sendKeys("a lighthouse");
            new Select(el("steps")).selectByVisibleText("1");
            el("width").sendKeys("64");
            el("height").sendKeys("64");
            el("generate").click();
            waiting(120).until(d -> !el("result-box").getAttribute("class").contains("hidden") || !el("error").getText().isEmpty());
            assertEquals("", el("error").getText(), "the page shows no error");
            assertTrue(el("result-info").getText().contains("64x64"), el("result-info").getText());
            Object stored = ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('sprint-api-key');");
            assertEquals("page-key-0123456789", stored, "kept for this tab only");
        }
    }

    @Test
    void thePageShowsStreamedPreviewsBeforeTheFinalImage() throws IOException {
        try (TinyServer tiny = new TinyServer(8)) {
            browser.get(tiny.server.url() + "/");
            waiting(20).until(d -> el("model").getText().contains(TinyServer.MODEL));
            // every image the result element shows, in order
            ((JavascriptExecutor) browser).executeScript("window.shown = []; new MutationObserver(() => window.shown.push("
                    + "document.getElementById('result').src)).observe(document.getElementById('result'),"
                    + " {attributes: true, attributeFilter: ['src']});");
            el("prompt").sendKeys("a lighthouse on a cliff at dusk");
            new Select(el("steps")).selectByVisibleText("4");
            el("width").sendKeys("128");
            el("height").sendKeys("128");
            el("seed").sendKeys("3");
            el("generate").click();
            waiting(120).until(d -> el("status").getText().startsWith("Done") || !el("error").getText().isEmpty());
            assertEquals("", el("error").getText());
            java.util.List<?> shown = (java.util.List<?>) ((JavascriptExecutor) browser).executeScript("return window.shown;");
            assertEquals(4, shown.size(), "three partial images, then the final image");
            java.util.List<WebElement> previews = browser.findElements(By.cssSelector("#previews figure"));
            assertEquals(3, previews.size());
            assertEquals("step 1", previews.get(0).findElement(By.tagName("figcaption")).getText());
            assertEquals("step 3", previews.get(2).findElement(By.tagName("figcaption")).getText());
            assertTrue(!shown.get(0).equals(shown.get(3)), "the first preview is not the final image");
            assertEquals(shown.get(3), el("result").getAttribute("src"));
            assertTrue(el("provenance").getText().contains("sprint:seed 3"), el("provenance").getText());
            Path shot = Path.of("target", "previews-page.png");
            Files.createDirectories(shot.getParent());
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void whileWaitingThePageShowsTheQueuePositionAndCancelWorks() {
        FakePipeline fake = new FakePipeline();
        SprintServer server = SprintServer.builder().pipeline(() -> fake).modelName("fake").port(0).warmup(false).maxBatch(1).build().start();
        try {
            server.awaitReady(Duration.ofSeconds(10));
            Http http = new Http(server.url());
            CompletableFuture<Http.Response> busy = http.postAsync("/v1/images/generations", "{\"prompt\": \"occupies the worker\"}");
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (fake.calls.isEmpty() && System.nanoTime() < end) Thread.onSpinWait();
            browser.get(server.url() + "/");
            waiting(20).until(d -> el("model").getText().contains("fake"));
            el("prompt").sendKeys("waits in the queue");
            el("generate").click();
            waiting(20).until(d -> el("status").getText().contains("Queued — position 1"));
            el("cancel").click();
            waiting(20).until(d -> el("error").getText().contains("cancelled"));
            assertTrue(el("cancel").getAttribute("disabled") != null, "Cancel is disabled again");
            fake.open();
            assertEquals(200, Http.join(busy).status());
            assertTrue(fake.calls.stream().noneMatch(c -> c.prompts().contains("waits in the queue")), "the cancelled request never ran");
        } finally {
            fake.open();
            server.close();
        }
    }
}
