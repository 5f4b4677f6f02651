import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, found from this file so scripts work from any cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Same locations as prisma.config.ts, which the real CLI reads when online.
export const DEFAULT_SCHEMA_PATH = path.join(REPO_ROOT, 'prisma', 'schema.prisma');
export const DEFAULT_MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');
