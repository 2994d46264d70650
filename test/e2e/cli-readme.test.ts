import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assetbridge } from '../helpers/cli.js';

/** The README's "The command line" section. */
const cliSection = (): string => {
  const readme = readFileSync('README.md', 'utf8');
  return readme.slice(readme.indexOf('## The command line'), readme.indexOf('## The web console'));
};

/** The command names of a `--help` answer's "Commands:" list (without `help`). */
async function commandsOf(path: string[]): Promise<string[]> {
  const help = await assetbridge([...path, '--help']);
  expect(help.code, help.stderr).toBe(0);
  const list = (help.stdout.split('Commands:\n')[1] ?? '').split('\n\n')[0] ?? '';
  return [...list.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1] ?? '').filter((name) => name !== 'help');
}

describe("the README's command line section", () => {
  it('lists every command and subcommand that `assetbridge --help` shows', async () => {
    const section = cliSection();
    const rows = section.split('\n').filter((line) => line.startsWith('| `assetbridge'));
    const missing: string[] = [];
    const check = async (path: string[]): Promise<void> => {
      const commands = await commandsOf(path);
      const subs = await Promise.all(commands.map((name) => commandsOf([...path, name])));
      for (const [i, name] of commands.entries()) {
        const full = [...path, name].join(' ');
        if ((subs[i] ?? []).length > 0) {
          await check([...path, name]);
          continue;
        }
        // A row of the table names the command's group and the command itself (`assets ls\|show`).
        const group = path.length > 0 ? path.join(' ') : undefined;
        const named = rows.some((row) => (group === undefined ? row.includes(`assetbridge ${name}`) : row.includes(group) && new RegExp(`[\\s|\`]${name}(?![\\w-])`).test(row)));
        if (!named) missing.push(full);
      }
    };
    await check([]);
    expect(missing).toEqual([]);
  });
});
