import QRCode from "qrcode";

/** The QR code scanned at check-in: it encodes only the ticket's random token. */
export function ticketQrSvg(qrToken: string) {
  return QRCode.toString(qrToken, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
}

export function ticketQrPng(qrToken: string) {
  return QRCode.toBuffer(qrToken, { type: "png", margin: 2, width: 320, errorCorrectionLevel: "M" });
}
