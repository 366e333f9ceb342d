// Where media bytes live, behind a small interface so another backend (an object store) can
// replace the local disk. Keys are relative, slash-separated paths such as `audio/<id>/128.mp3`;
// the local store maps them under one folder (MEDIA_DIR).
import { constants } from "node:fs";
import { copyFile, link, mkdir, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";

export interface StoredFile {
  size: number;
  modifiedAt: Date;
}

export interface MediaStorage {
  /** Moves a local file in under `key` (replacing what was there). */
  put(key: string, sourcePath: string): Promise<void>;
  /** Copies a local file in under `key`, leaving the source (a hard link where it can). */
  copyIn(key: string, sourcePath: string): Promise<void>;
  /** A local path to read the file at `key` from (it may not exist: see stat). */
  path(key: string): string;
  /** Size and modification time, or null when there is no file at `key`. */
  stat(key: string): Promise<StoredFile | null>;
  /** Removes the file at `key`, or everything under `key/`; no error if nothing is there. */
  remove(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

export function isStorageKey(key: string): boolean {
  return KEY.test(key) && !key.split("/").includes("..");
}

export function createLocalStorage(root: string): MediaStorage {
  const dir = path.resolve(root);
  const resolve = (key: string) => {
    if (!isStorageKey(key)) throw new Error(`invalid storage key: ${key}`);
    return path.join(dir, key);
  };
  return {
    async put(key, sourcePath) {
      const target = resolve(key);
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await rename(sourcePath, target);
      } catch (err) {
        // Another file system: copy, then drop the source.
        if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
        await copyFile(sourcePath, target, constants.COPYFILE_FICLONE);
        await unlink(sourcePath);
      }
    },
    async copyIn(key, sourcePath) {
      const target = resolve(key);
      await mkdir(path.dirname(target), { recursive: true });
      await rm(target, { force: true });
      try {
        await link(sourcePath, target);
      } catch (err) {
        // Another file system: a real copy.
        if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
        await copyFile(sourcePath, target, constants.COPYFILE_FICLONE);
      }
    },
    path: resolve,
    async stat(key) {
      try {
        const s = await stat(resolve(key));
        return s.isFile() ? { size: s.size, modifiedAt: s.mtime } : null;
      } catch {
        return null;
      }
    },
    async remove(key) {
      await rm(resolve(key), { recursive: true, force: true });
    },
  };
}
