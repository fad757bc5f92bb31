import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import QRCode from "qrcode";
import { db } from "~/utils/db.server";
import { chromiumLaunchOptions } from "../../playwright.config";
import { createOrganisation, createParticipant, createRace, createTicketType, TEST_PASSWORD } from "../support/factories";
import { expect, test } from "./fixtures";

/**
 * The camera is Chromium's fake capture device playing a video of this ticket's QR code, so the scanner runs its
 * real path (permission, getUserMedia, video, detection, lookup) under the app's Content-Security-Policy.
 * Desktop Linux Chromium has no BarcodeDetector, so the page gets one backed by jsQR that decodes the video's
 * frames, as Chrome on Android decodes them natively.
 */
const qrToken = `scan-${randomBytes(8).toString("hex")}`;

/** A one-frame Y4M video (640×480, 4:2:0) showing `text` as a QR code, black on white. */
function qrVideo(text: string) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const [width, height, scale, quiet] = [640, 480, 8, 4];
  const side = (modules.size + 2 * quiet) * scale;
  const [left, top] = [(width - side) / 2, (height - side) / 2];
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < side; y += 1) {
    for (let x = 0; x < side; x += 1) {
      const [row, column] = [Math.floor(y / scale) - quiet, Math.floor(x / scale) - quiet];
      const dark = row >= 0 && column >= 0 && row < modules.size && column < modules.size && modules.get(row, column);
      if (dark) luma[(top + y) * width + left + x] = 16;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const file = join(mkdtempSync(join(tmpdir(), "startline-camera-")), "qr.y4m");
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma]));
  return file;
}

test.use({
  permissions: ["camera"],
  launchOptions: {
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${qrVideo(qrToken)}`],
  },
});

test.afterAll(async () => {
  await db.$disconnect();
});

test("check a runner in by scanning their ticket's QR code with the camera", async ({ page }) => {
  const { organisation, user } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { name: "Scan Run" });
  const type = await createTicketType(race.id, { name: "10K" });
  const { ticket } = await createParticipant(race.id, type.id, { firstName: "Nuala", lastName: "Scan" }, 77);
  await db.ticket.update({ where: { id: ticket.id }, data: { qrToken } });

  await page.addInitScript({ path: createRequire(import.meta.url).resolve("jsqr/dist/jsQR.js") });
  await page.addInitScript(() => {
    const decode = (globalThis as unknown as { jsQR: (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null }).jsQR;
    (globalThis as unknown as { BarcodeDetector: unknown }).BarcodeDetector = class {
      async detect(video: HTMLVideoElement) {
        if (!video.videoWidth) return [];
        const canvas = document.createElement("canvas");
        [canvas.width, canvas.height] = [video.videoWidth, video.videoHeight];
        const context = canvas.getContext("2d")!;
        context.drawImage(video, 0, 0);
        const found = decode(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
        return found ? [{ rawValue: found.data }] : [];
      }
    };
  });

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);

  await page.goto(`/organiser/races/${race.id}/checkin`);
  await page.getByRole("button", { name: "Scan with camera" }).click();
  await expect(page.getByRole("heading", { name: "Nuala Scan" })).toBeVisible();
  await page.getByRole("button", { name: "Check in Nuala Scan" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Checked in: Nuala Scan, bib 77." })).toBeVisible();
});
