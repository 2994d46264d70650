import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { IdentityError } from '../start/operator.js';

/**
 * A secret for a command: the first line of standard input when it is piped (`echo … |`,
 * `< file`), else typed at a prompt without echo, twice to catch a typo.
 */
export async function readSecret(what: string): Promise<string> {
  if (!process.stdin.isTTY) return (await text(process.stdin)).split(/\r?\n/)[0] ?? '';
  const first = await promptHidden(`${what}: `);
  const again = await promptHidden(`${what} again: `);
  if (first !== again) throw new IdentityError(`the two ${what}s differ`);
  return first;
}

function promptHidden(prompt: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}
