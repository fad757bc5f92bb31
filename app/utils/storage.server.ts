import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { getEnv } from "./env.server";

/** Where uploaded files live. Disk today; an S3-compatible store implements the same three calls. */
export interface FileStorage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  remove(key: string): Promise<void>;
  publicUrl(key: string): string;
}

const SAFE_KEY = /^[a-z0-9][a-z0-9/_.-]*$/i;

export class DiskStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string) {
    if (!SAFE_KEY.test(key) || key.includes("..")) throw new Error(`unsafe storage key: ${key}`);
    return join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array) {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }

  async remove(key: string) {
    await rm(this.pathOf(key), { force: true });
  }

  publicUrl(key: string) {
    return `/uploads/${key}`;
  }
}

export function storage(): FileStorage {
  return new DiskStorage(resolve(getEnv().UPLOAD_DIR));
}

/**
 * The kinds of file an upload may be, by the extension its key gets from `imageType`: uploads are served with
 * exactly this type (server/security.ts), and a file with any other extension is not served at all.
 */
export const UPLOAD_TYPES = { jpg: "image/jpeg", png: "image/png", webp: "image/webp" } as const;

/** Recognises the image formats we accept by their first bytes, not by the name the browser sent. */
export function imageType(bytes: Uint8Array): { ext: keyof typeof UPLOAD_TYPES; contentType: string } | null {
  const ext = (): keyof typeof UPLOAD_TYPES | null => {
    if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpg";
    if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "png";
    const riff = String.fromCharCode(...bytes.slice(0, 4));
    const webp = String.fromCharCode(...bytes.slice(8, 12));
    return riff === "RIFF" && webp === "WEBP" ? "webp" : null;
  };
  const found = ext();
  return found ? { ext: found, contentType: UPLOAD_TYPES[found] } : null;
}
