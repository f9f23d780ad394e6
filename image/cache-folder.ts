/** Publishing a folder made under a temporary name into a cache that another process may fill at the same time. */
import { existsSync, renameSync, rmSync } from 'node:fs';

/** Renames `partial` to `dir`; when another process got there first, keeps theirs and drops `partial`. */
export function publishFolder(partial: string, dir: string): void {
  try {
    renameSync(partial, dir);
  } catch (err) {
    if (!existsSync(dir)) throw err;
    rmSync(partial, { recursive: true, force: true });
  }
}
