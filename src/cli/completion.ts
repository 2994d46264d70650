import { Argument, type Command } from 'commander';
import { assetStates, assetTypes } from '../domain/asset.js';
import { result } from './output.js';

const shells = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof shells)[number];

/** Values completed after an option, by its long flag. */
const optionValues: Record<string, readonly string[]> = { '--type': assetTypes, '--state': assetStates };

interface Node {
  path: string;
  command: Command;
}

/** Every command of the tree with its path (`""` for the program, `"assets ls"`...). */
function walk(command: Command, path = ''): Node[] {
  return [{ path, command }, ...command.commands.flatMap((c) => walk(c, path ? `${path} ${c.name()}` : c.name()))];
}

const flagsOf = (c: Command): string[] => [...c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))), '--help'];
const subsOf = (c: Command): string[] => c.commands.map((s) => s.name());

/** Words completed after a command: subcommands and options; `completion` also its shells. */
const wordsOf = (n: Node): string[] => [...subsOf(n.command), ...(n.path === 'completion' ? shells : []), ...flagsOf(n.command)];

function bash(program: Command): string {
  const nodes = walk(program);
  const cases = (pick: (n: Node) => string[]) => nodes.map((n) => `    '${n.path}') echo '${pick(n).join(' ')}' ;;`).join('\n');
  const values = Object.entries(optionValues).map(([flag, v]) => `    ${flag}) COMPREPLY=($(compgen -W '${v.join(' ')}' -- "$cur")); return ;;`).join('\n');
  return `# assetbridge completion for bash: source <(assetbridge completion bash)
_assetbridge_subcommands() {
  case "$1" in
${cases((n) => subsOf(n.command))}
  esac
}
_assetbridge_words() {
  case "$1" in
${cases(wordsOf)}
  esac
}
_assetbridge() {
  # Slices, not subscripts: they count from 0 in bash and in zsh (bashcompinit) alike.
  local cur="\${COMP_WORDS[@]:COMP_CWORD:1}" prev="\${COMP_WORDS[@]:COMP_CWORD-1:1}" at="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[@]:i:1}"
    case " $(_assetbridge_subcommands "$at") " in
      *" $word "*) at="\${at:+$at }$word" ;;
    esac
  done
  case "$prev" in
${values}
  esac
  COMPREPLY=($(compgen -W "$(_assetbridge_words "$at")" -- "$cur"))
}
complete -o default -F _assetbridge assetbridge
`;
}

function zsh(program: Command): string {
  return `#compdef assetbridge
# assetbridge completion for zsh: source <(assetbridge completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(program).split('\n').slice(1).join('\n')}`;
}

function fish(program: Command): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = ['# assetbridge completion for fish: assetbridge completion fish | source', 'complete -c assetbridge -f'];
  for (const n of walk(program)) {
    const parts = n.path ? n.path.split(' ') : [];
    const subs = subsOf(n.command);
    // This node is current when its path was typed and none of its subcommands yet.
    const conditions = [...parts.map((p) => `__fish_seen_subcommand_from ${p}`), ...(subs.length ? [`not __fish_seen_subcommand_from ${subs.join(' ')}`] : [])];
    const when = conditions.length ? ` -n ${quote(conditions.join('; and '))}` : ' -n __fish_use_subcommand';
    for (const s of n.command.commands) lines.push(`complete -c assetbridge${when} -a ${s.name()} -d ${quote(s.description())}`);
    if (n.path === 'completion') lines.push(`complete -c assetbridge${when} -a ${quote(shells.join(' '))}`);
    for (const o of n.command.options) {
      const values = o.long ? optionValues[o.long] : undefined;
      const flag = `${o.long ? ` -l ${o.long.slice(2)}` : ''}${o.short ? ` -s ${o.short.slice(1)}` : ''}`;
      lines.push(`complete -c assetbridge${when}${flag}${o.required || o.optional ? ' -r' : ''}${values ? ` -a ${quote(values.join(' '))}` : ''} -d ${quote(o.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `assetbridge completion bash|zsh|fish`: a completion script made from the command tree. */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell').choices(shells))
    .description('print a shell completion script')
    .addHelpText(
      'after',
      `
Examples:
  source <(assetbridge completion bash)              (add to ~/.bashrc)
  source <(assetbridge completion zsh)               (add to ~/.zshrc)
  assetbridge completion fish > ~/.config/fish/completions/assetbridge.fish`,
    )
    .action((shell: Shell) => {
      const script = { bash, zsh, fish }[shell](program);
      result(script, () => script.trimEnd());
    });
}
