import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assetbridge, cliScript } from '../helpers/cli.js';

const run = promisify(execFile);

/** What bash completes for the words typed (the last one being completed), with the script sourced. */
async function complete(...typed: string[]): Promise<string[]> {
  const words = ['assetbridge', ...typed].map((w) => `'${w}'`).join(' ');
  const script = `source <("${process.execPath}" "${cliScript}" completion bash)
complete -p assetbridge >/dev/null || exit 3
COMP_WORDS=(${words}); COMP_CWORD=${typed.length}; _assetbridge; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run('bash', ['-c', script]);
  return stdout.split('\n').filter(Boolean);
}

describe('assetbridge completion', () => {
  it('completes commands, subcommands, options and allowed values in bash', async () => {
    expect(await complete('co')).toEqual(['copy', 'copies', 'configure', 'completion']);
    expect(await complete('assets', '')).toEqual(expect.arrayContaining(['ls', 'show', 'create', 'rm', 'restore', '--help']));
    expect(await complete('assets', 'ls', '--s')).toEqual(['--state']);
    expect(await complete('assets', 'ls', '--state', 'ACT')).toEqual(['ACTIVED']);
    expect(await complete('upload', 'clip.mp4', '--type', 'VI')).toEqual(['VIDEO']);
    expect(await complete('copy', '--all', '--d')).toEqual(['--dry-run']);
    expect(await complete('iam', 'key', 'dis')).toEqual(['disable']);
    expect(await complete('completion', '')).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
  });

  it('prints the zsh and fish scripts from the same command tree', async () => {
    const zsh = await assetbridge(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    await expect(zsh.stdout).toMatchFileSnapshot('./__snapshots__/completion.zsh');
    const fish = await assetbridge(['completion', 'fish']);
    expect(fish.code).toBe(0);
    await expect(fish.stdout).toMatchFileSnapshot('./__snapshots__/completion.fish');
    const other = await assetbridge(['completion', 'ksh']);
    expect(other.stderr).toBe("error: command-argument value 'ksh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\nnext: assetbridge completion --help\n");
  });
});
