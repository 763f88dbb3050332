// Usage: node upload.mjs <service base url> <image path>
// Opens the upload page in headless chromium, uploads the image, waits for the prediction and prints one JSON line:
// {"label": "...", "bars": [{"label": "...", "width": "..."}], "generations": "..."}. Exits non-zero when the page
// shows an error or no prediction appears within 30 s.
import { chromium } from "playwright-core";

const [baseUrl, imagePath] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  const external = [];
  page.on("request", request => { if (!request.url().startsWith(baseUrl) && !request.url().startsWith("blob:")) external.push(request.url()); });
  await page.goto(baseUrl + "/");
  await page.setInputFiles("#image-input", imagePath);
  await page.click("#predict-button");
  await page.waitForFunction(() =>
    document.getElementById("predicted-label")?.textContent || document.getElementById("error")?.textContent, null, { timeout: 30000 });
  const error = await page.textContent("#error");
  if (error) throw new Error("page shows an error: " + error);
  if (await page.isHidden("#result")) throw new Error("the result section stayed hidden");
  const label = await page.textContent("#predicted-label");
  const bars = await page.$$eval(".bar-row", rows => rows.map(row => ({
    label: row.dataset.label, width: row.querySelector(".bar").style.width })));
  const generations = await page.textContent("#generations");
  if (external.length) throw new Error("the page fetched outside the service: " + external.join(", "));
  console.log(JSON.stringify({ label, bars, generations }));
} finally {
  await browser.close();
}
