import { crc32, deflateSync } from "node:zlib";
import QRCode from "qrcode";

/** The QR code scanned at check-in: it encodes only the ticket's random token. */
export function ticketQrSvg(qrToken: string) {
  return QRCode.toString(qrToken, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
}

const QR_PNG = { width: 320, margin: 2 };

function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * The ticket's QR code as a 320-pixel PNG for the confirmation email: the same pixels as `qrcode`'s PNG renderer
 * (margin 2, scaled to the width the same way), written as a 1-bit greyscale image. `qrcode` fills an RGBA buffer
 * pixel by pixel and lets pngjs try every row filter, ~10–40 ms of CPU per ticket here; this takes well under 1 ms
 * (ADR 0060).
 */
export async function ticketQrPng(qrToken: string) {
  const { modules } = QRCode.create(qrToken, { errorCorrectionLevel: "M" });
  const size = modules.size;
  const scale = QR_PNG.width >= size + QR_PNG.margin * 2 ? QR_PNG.width / (size + QR_PNG.margin * 2) : 4;
  const side = Math.floor((size + QR_PNG.margin * 2) * scale);
  const margin = QR_PNG.margin * scale;
  const rowBytes = Math.ceil(side / 8);
  // The module (or -1 in the margin) each pixel column and row shows, as qrcode's renderer scales them.
  const moduleAt = (pixel: number) => (pixel >= margin && pixel < side - margin ? Math.floor((pixel - margin) / scale) : -1);
  const columns = Int16Array.from({ length: side }, (_, x) => moduleAt(x));
  // Each row: filter byte 0, then one bit per pixel, 1 = white (greyscale), padded to a byte. Pixel rows showing the
  // same module row are the same bytes.
  const stride = rowBytes + 1;
  const raw = Buffer.alloc(stride * side);
  let previous = -2;
  for (let y = 0; y < side; y++) {
    const row = y * stride;
    const moduleRow = moduleAt(y);
    if (moduleRow === previous) {
      raw.copy(raw, row, row - stride, row);
      continue;
    }
    previous = moduleRow;
    for (let x = 0; x < side; x++) {
      const column = columns[x]!;
      const dark = moduleRow >= 0 && column >= 0 && modules.get(moduleRow, column);
      if (!dark) raw[row + 1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.writeUInt8(1, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
