import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- the lint configuration is plain JavaScript without types.
import { layers } from '../../eslint.config.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * `npm run lint` with the project's own configuration, on text given in memory as if it were
 * the named file: the layer rule must refuse a wrong-direction import there.
 */
describe('the layer rule of npm run lint', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: root });
  });

  const layerErrors = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it.each([
    ['src/domain/ids.ts', "import type { AssetService } from '../services/asset-service.js';", 'src/domain may not import src/services'],
    ['src/domain/ids.ts', "export { ApiClient } from '../client/api-client.js';", 'src/domain may not import src/client'],
    ['src/config/values.ts', "import { runServer } from '../start/main.js';", 'src/config may not import src/start'],
    ['src/config/values.ts', "import { AppError } from '../domain/errors.js';", 'src/config may not import src/domain'],
    ['src/ports/clock.ts', "import { systemClock } from '../adapters/system-clock.js';", 'src/ports may not import src/adapters'],
    ['src/ports/clock.ts', "import type { AppInstance } from '../http/types.js';", 'src/ports may not import src/http'],
    ['src/services/batch-action.ts', "import { buildApp } from '../http/app.js';", 'src/services may not import src/http'],
    ['src/services/identity/failure-lock.ts', "import { openDatabase } from '../../adapters/db/database.js';", 'src/services may not import src/adapters'],
    ['src/adapters/system-clock.ts', "import type { AssetService } from '../services/asset-service.js';", 'src/adapters may not import src/services'],
    ['src/http/range.ts', "import { openDatabase } from '../adapters/db/database.js';", 'src/http may not import src/adapters'],
    ['src/cli/progress.ts', "import type { IdentityService } from '../services/identity/identity-service.js';", 'src/cli may not import src/services'],
    ['src/cli/progress.ts', "import { startRegion } from '../start/region.js';", 'src/cli may not import src/start (only operator.js, main.js)'],
  ])('refuses in %s: %s', async (file, code, message) => {
    expect(await layerErrors(file, `${code}\nexport const probe = 1;\n`)).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ['src/services/batch-action.ts', "import type { Clock } from '../ports/clock.js';"],
    ['src/adapters/system-clock.ts', "import type { Clock } from '../ports/clock.js';"],
    ['src/http/range.ts', "import type { AssetService } from '../services/asset-service.js';"],
    ['src/cli/progress.ts', "import { openOperatorIdentity } from '../start/operator.js';"],
    ['src/start/logger.ts', "import { startRegion } from './region.js';"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport const probe = 1;\n`)).toEqual([]);
  });

  it('knows every folder of src/, and no subfolder is named like a layer', () => {
    const top = readdirSync(path.join(root, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(top.sort()).toEqual(Object.keys(layers as Record<string, string[]>).sort());
    const nested = readdirSync(path.join(root, 'src'), { withFileTypes: true, recursive: true })
      .filter((d) => d.isDirectory() && d.parentPath !== path.join(root, 'src'))
      .map((d) => d.name);
    expect(nested.filter((name) => top.includes(name))).toEqual([]);
  });
});
