import { InvalidArgumentError, type Command } from 'commander';
import { assetTypes } from '../domain/asset.js';
import { isId } from '../domain/ids.js';
import { listOf, result } from './output.js';
import { regionClient, withRegionOptions, type RegionOptions } from './profile.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

const ruleIdArg = (value: string): string => {
  if (!isId(value)) throw new InvalidArgumentError(`a rule id is 32 hex characters (got "${value}"); list them with assetbridge rules ls`);
  return value;
};

const csv = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

const yesNo = (value: string): boolean => {
  if (value === 'true' || value === 'yes' || value === 'on') return true;
  if (value === 'false' || value === 'no' || value === 'off') return false;
  throw new InvalidArgumentError('expected true or false');
};

interface FilterOptions {
  types?: string;
  tags?: string;
  prefix?: string;
  updates?: boolean;
  deletes?: boolean;
}

/** The options every create and update shares. */
function withRuleOptions(command: Command): Command {
  return command
    .option('--types <types>', `comma list of asset types to send: ${assetTypes.join(', ')}`, listOf(assetTypes))
    .option('--tags <tags>', 'comma list: an asset is sent if it has any of these tags')
    .option('--prefix <text>', 'asset names starting with this')
    .option('--updates <bool>', 'changes follow (default true)', yesNo)
    .option('--deletes <bool>', 'the recycle bin, restore and delete for good follow (default false)', yesNo);
}

function ruleBody(o: FilterOptions): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (o.types) filter.asset_types = csv(o.types);
  if (o.tags) filter.tags = csv(o.tags);
  if (o.prefix !== undefined) filter.name_prefix = o.prefix;
  return {
    ...(Object.keys(filter).length > 0 ? { filter } : {}),
    ...(o.updates !== undefined ? { replicate_updates: o.updates } : {}),
    ...(o.deletes !== undefined ? { replicate_deletes: o.deletes } : {}),
  };
}

const line = (r: Json): string => {
  const c = r.counts;
  return `${r.rule_id}  ${r.enabled ? 'enabled ' : 'disabled'}  -> ${String(r.target_region).padEnd(16)} pending ${c.pending}  copying ${c.copying}  completed ${c.completed}  failed ${c.failed}  lag ${r.lag_seconds}s  ${r.rule_name}`;
};

const detail = (r: Json): string =>
  [
    line(r),
    `  target project ${r.target_project_id}`,
    `  filter: types ${r.filter.asset_types.join(',') || 'any'}; tags ${r.filter.tags.join(',') || 'any'}; prefix ${r.filter.name_prefix ?? 'any'}`,
    `  updates ${r.replicate_updates}  deletes ${r.replicate_deletes}  backfill ${r.backfill.state} (${r.backfill.queued} queued)`,
  ].join('\n');

/** `assetbridge rules ...`: replication rules of the region's project, over the public API. */
export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description("replication rules: a project's assets that follow it to another region");
  withRegionOptions(rules.command('ls').description('list the rules with their counts and lag'))
    .addHelpText('after', '\nExample:\n  assetbridge rules ls --region cn-north-4')
    .action(async (o: RegionOptions) => {
      const res = await regionClient(o).ok('GET', '/replication-rules');
      result(res, () => [`${res.count} rules`, ...(res.rules as Json[]).map(line)].join('\n'));
    });
  withRuleOptions(withRegionOptions(rules.command('create <name>').description('create a rule')))
    .requiredOption('--to <region>', 'the target region')
    .option('--project <projectId>', "the account's project in the target region (default: found)")
    .option('--backfill', 'also send the matching assets that exist now')
    .option('--disabled', 'create it disabled')
    .addHelpText('after', '\nExample:\n  assetbridge rules create videos-to-sg --to ap-southeast-3 --types VIDEO --tags public --deletes true --backfill')
    .action(async (name: string, o: RegionOptions & FilterOptions & { to: string; project?: string; backfill?: boolean; disabled?: boolean }) => {
      const body = { rule_name: name, target_region: o.to, target_project_id: o.project, backfill: o.backfill ?? false, enabled: !o.disabled, ...ruleBody(o) };
      const res = await regionClient(o).ok('POST', '/replication-rules', { body });
      result(res, () => `created rule ${res.rule_id}`);
    });
  withRegionOptions(rules.command('show').argument('<ruleId>', 'full 32-hex rule id', ruleIdArg).description('show one rule'))
    .action(async (id: string, o: RegionOptions) => {
      const r = await regionClient(o).ok('GET', `/replication-rules/${id}`);
      result(r, () => detail(r));
    });
  withRuleOptions(withRegionOptions(rules.command('update').argument('<ruleId>', 'full 32-hex rule id', ruleIdArg).description('change a rule (its target stays)')))
    .option('--name <name>', 'new name')
    .addHelpText('after', '\nExample:\n  assetbridge rules update 8cb2f48a2cb006154794741933421100 --tags public,eu')
    .action(async (id: string, o: RegionOptions & FilterOptions & { name?: string }) => {
      const r = await regionClient(o).ok('PUT', `/replication-rules/${id}`, { body: { ...(o.name ? { rule_name: o.name } : {}), ...ruleBody(o) } });
      result(r, () => detail(r));
    });
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    withRegionOptions(rules.command(verb).argument('<ruleId>', 'full 32-hex rule id', ruleIdArg).description(enabled ? 'enable a rule' : 'disable a rule: its replicas become ordinary assets'))
      .action(async (id: string, o: RegionOptions) => {
        const r = await regionClient(o).ok('PUT', `/replication-rules/${id}`, { body: { enabled } });
        result(r, () => line(r));
      });
  }
  withRegionOptions(rules.command('rm').argument('<ruleId>', 'full 32-hex rule id', ruleIdArg).description('delete a rule: its replicas become ordinary assets'))
    .action(async (id: string, o: RegionOptions) => {
      await regionClient(o).ok('DELETE', `/replication-rules/${id}`);
      result({ rule_id: id, deleted: true }, () => `deleted rule ${id}`);
    });
  withRegionOptions(rules.command('backfill').argument('<ruleId>', 'full 32-hex rule id', ruleIdArg).description('send the matching assets that exist now'))
    .action(async (id: string, o: RegionOptions) => {
      const r = await regionClient(o).ok('POST', `/replication-rules/${id}/backfill`);
      result(r, () => `${line(r)}\n  backfill queued ${r.backfill.queued} assets`);
    });
}
