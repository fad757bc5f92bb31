import { PNG } from "pngjs";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { ticketQrPng } from "./tickets.server";

/** Dark (true) or light per pixel, row by row. */
function pixels(png: Buffer) {
  const image = PNG.sync.read(png);
  return { width: image.width, height: image.height, dark: Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 4]! < 128) };
}

describe("ticketQrPng", () => {
  it("draws the same pixels as qrcode's own PNG renderer, for tokens of several lengths", async () => {
    for (const token of ["a", "f3b1c9e2d4a5b6c7d8e9f0a1b2c3d4e5", "x".repeat(120)]) {
      const ours = pixels(await ticketQrPng(token));
      const theirs = pixels(await QRCode.toBuffer(token, { type: "png", margin: 2, width: 320, errorCorrectionLevel: "M" }));
      expect({ width: ours.width, height: ours.height }).toEqual({ width: theirs.width, height: theirs.height });
      expect(ours.dark).toEqual(theirs.dark);
    }
  });
});
