import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MediaStore } from '../messages/ports';

/**
 * Audio files in MEDIA_DIR named by their SHA-256: the same recording always lands in the same
 * file, so a job re-run after a crash rewrites nothing, and a half-written file never has the
 * final name (written aside, then renamed).
 */
export class MediaDirectory implements MediaStore {
  private ready: Promise<unknown> | null = null;

  constructor(private readonly dir: string) {}

  async put(bytes: Uint8Array, extension: string): Promise<{ sha256: string; fileName: string }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileName = `${sha256}.${extension}`;
    const target = path.join(this.dir, fileName);
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const exists = await stat(target).then((s) => s.size === bytes.length, () => false);
    if (!exists) {
      const aside = `${target}.${randomBytes(4).toString('hex')}.part`;
      await writeFile(aside, bytes);
      await rename(aside, target);
    }
    return { sha256, fileName };
  }

  async read(fileName: string): Promise<Uint8Array> {
    if (!/^[0-9a-f]{64}\.[a-z0-9]{1,8}$/.test(fileName)) throw new Error('not a media file name');
    return readFile(path.join(this.dir, fileName));
  }
}
