// Files the publishing side writes once and never rewrites: the publishing key and each
// generation of the resume-token registry.
import { randomBytes } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';

/**
 * Creates `file` with `content` only if it does not exist, atomically: written to a temp file
 * (mode 0600) and hard-linked into place, so a second worker starting at the same moment either
 * wins or reads the complete file the first one wrote — never a half-written one.
 */
export async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}
