import { useEffect, useState } from 'preact/hooks';
import { api, type Region, type Session } from './api.js';
import { assetTypes } from './upload.js';
import { Confirm, CopyButton, field, useNotify } from './ui.js';

/** A replication rule as the API answers it. */
interface Rule {
  rule_id: string;
  rule_name: string;
  target_region: string;
  filter: { asset_types: string[]; tags: string[]; name_prefix?: string };
  replicate_updates: boolean;
  replicate_deletes: boolean;
  enabled: boolean;
  counts: { pending: number; copying: number; completed: number; failed: number };
  lag_seconds: number;
  backfill: { state: string; queued: number };
}

type RulesState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; rules: Rule[] };

/** What a rule sends, in words. */
const filterText = (f: Rule['filter']): string => {
  const parts = [
    f.asset_types.length > 0 ? `types ${f.asset_types.join(', ')}` : '',
    f.tags.length > 0 ? `tagged ${f.tags.join(' or ')}` : '',
    f.name_prefix ? `names starting "${f.name_prefix}"` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'every asset';
};

const lagText = (s: number): string => (s <= 0 ? 'none' : s < 60 ? `${s.toFixed(1)} s` : `${Math.round(s / 60)} min`);

/** The form that creates a rule: target among the deployment's other regions, the filter, what follows. */
function CreateRule(props: { session: Session; region: Region; onCreated: () => void }) {
  const notify = useNotify();
  const targets = props.session.regions.filter((r) => r.name !== props.region.name);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const text = (name: string): string => field(f, name).trim();
    const tags = text('tags').split(',').map((t) => t.trim()).filter(Boolean);
    const body = {
      rule_name: text('rule_name'),
      target_region: text('target_region'),
      filter: { asset_types: f.getAll('asset_types').map(String), tags, ...(text('name_prefix') ? { name_prefix: text('name_prefix') } : {}) },
      replicate_updates: f.get('replicate_updates') === 'on',
      replicate_deletes: f.get('replicate_deletes') === 'on',
      backfill: f.get('backfill') === 'on',
    };
    setError('');
    setBusy(true);
    try {
      await api(props.region, 'POST', '/replication-rules', body);
      notify(`Created rule "${body.rule_name}" to ${body.target_region}`);
      form.reset();
      props.onCreated();
    } catch (err) {
      setError(`The rule was not created: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  if (targets.length === 0) return <p class="hint">This deployment has no other region: a rule needs one to send assets to.</p>;
  return (
    <form class="card rule-form" aria-labelledby="rule-form-title" onSubmit={(e) => void submit(e)}>
      <h2 id="rule-form-title">New rule</h2>
      <label>Rule name <input name="rule_name" required maxLength={64} /></label>
      <label>Target region <select name="target_region">{targets.map((t) => <option key={t.name}>{t.name}</option>)}</select></label>
      <fieldset>
        <legend>Asset types (none: every type)</legend>
        <div class="checks">{assetTypes.map((t) => <label key={t}><input type="checkbox" name="asset_types" value={t} /> {t}</label>)}</div>
      </fieldset>
      <label>Tags, comma-separated (an asset with any of them; none: every asset) <input name="tags" /></label>
      <label>Name prefix <input name="name_prefix" maxLength={256} /></label>
      <fieldset>
        <legend>What follows</legend>
        <div class="checks">
          <label><input type="checkbox" name="replicate_updates" defaultChecked /> updates</label>
          <label><input type="checkbox" name="replicate_deletes" /> deletes</label>
          <label><input type="checkbox" name="backfill" /> backfill the assets that exist now</label>
        </div>
      </fieldset>
      <button type="submit" disabled={busy}>Create rule</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

/** One rule's row: what it sends, where, its counts and lag; enable/disable, backfill, delete. */
function RuleRow(props: { rule: Rule; region: Region; onChange: () => void; onDelete: (r: Rule) => void }) {
  const notify = useNotify();
  const r = props.rule;
  const act = async (method: string, path: string, body: unknown, done: string) => {
    try {
      await api(props.region, method, `/replication-rules/${r.rule_id}${path}`, body);
      notify(done);
      props.onChange();
    } catch (err) {
      notify(`Could not change rule "${r.rule_name}": ${(err as Error).message}`);
    }
  };
  const c = r.counts;
  return (
    <tr data-testid="rule-row" data-rule-id={r.rule_id}>
      <td class="name">{r.rule_name}</td>
      <td data-label="Target">{r.target_region}</td>
      <td data-label="Filter">{filterText(r.filter)}{r.replicate_updates ? '; updates' : ''}{r.replicate_deletes ? '; deletes' : ''}</td>
      <td data-label="Enabled" data-testid="rule-enabled">{r.enabled ? 'enabled' : 'disabled'}</td>
      <td data-label="Replicas" data-testid="rule-counts">{c.pending} pending, {c.copying} copying, {c.completed} completed, {c.failed} failed{r.backfill.state === 'RUNNING' ? ` (backfill of ${r.backfill.queued} running)` : ''}</td>
      <td data-label="Lag">{lagText(r.lag_seconds)}</td>
      <td data-label="Id" class="id-cell"><code class="id">{r.rule_id}</code> <CopyButton value={r.rule_id} what="rule id" /></td>
      <td class="rule-actions">
        <button onClick={() => void act('PUT', '', { enabled: !r.enabled }, `${r.enabled ? 'Disabled' : 'Enabled'} rule "${r.rule_name}"`)} aria-label={`${r.enabled ? 'Disable' : 'Enable'} rule ${r.rule_name}`}>{r.enabled ? 'Disable' : 'Enable'}</button>
        <button onClick={() => void act('POST', '/backfill', undefined, `Backfill of rule "${r.rule_name}" started`)} disabled={!r.enabled} aria-label={`Backfill rule ${r.rule_name}`}>Backfill</button>
        <button class="danger" onClick={() => props.onDelete(r)} aria-label={`Delete rule ${r.rule_name}`}>Delete</button>
      </td>
    </tr>
  );
}

/** The region's project's replication rules (refreshed while replicas are pending or copying) and a form for a new one. */
export function RulesView(props: { session: Session; region: Region; tick: number }) {
  const notify = useNotify();
  const [state, setState] = useState<RulesState>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const [deleting, setDeleting] = useState<Rule>();
  const refresh = () => setTick((t) => t + 1);
  useEffect(() => {
    let live = true;
    api(props.region, 'GET', '/replication-rules').then(
      (body: { rules: Rule[] }) => live && setState({ status: 'ok', rules: body.rules }),
      (err: Error) => live && setState({ status: 'error', message: err.message }),
    );
    return () => { live = false; };
  }, [props.region, props.tick, tick]);
  const busy = state.status === 'ok' && state.rules.some((r) => r.counts.pending + r.counts.copying > 0);
  useEffect(() => {
    if (!busy) return undefined;
    const timer = setTimeout(refresh, 2000);
    return () => clearTimeout(timer);
  }, [busy, state]);
  const remove = async (r: Rule) => {
    try {
      await api(props.region, 'DELETE', `/replication-rules/${r.rule_id}`);
      notify(`Deleted rule "${r.rule_name}"`);
      refresh();
    } catch (err) {
      notify(`Could not delete rule "${r.rule_name}": ${(err as Error).message}`);
    }
  };
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title">Replication rules of {props.region.name}</h1>
      <p class="hint">A rule sends this project's matching assets, and then their changes, to the same account's project in another region by itself.</p>
      <div class="filters"><button onClick={refresh}>Refresh</button></div>
      {state.status === 'loading' && <p class="muted">Loading…</p>}
      {state.status === 'error' && <p class="error" data-testid="list-error">The rules could not be loaded: {state.message}.</p>}
      {state.status === 'ok' && state.rules.length === 0 && (
        <div class="empty" data-testid="empty-state"><p>No replication rules in {props.region.name}. Create one below to have assets follow to another region.</p></div>
      )}
      {state.status === 'ok' && state.rules.length > 0 && (
        <table class="assets rules">
          <caption class="sr-only">Replication rules of {props.region.name}</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Target</th><th scope="col">Filter</th><th scope="col">Enabled</th><th scope="col">Replicas</th><th scope="col">Lag</th><th scope="col">Id</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {state.rules.map((r) => <RuleRow key={r.rule_id} rule={r} region={props.region} onChange={refresh} onDelete={setDeleting} />)}
          </tbody>
        </table>
      )}
      <CreateRule session={props.session} region={props.region} onCreated={refresh} />
      {deleting && (
        <Confirm title={`Delete rule "${deleting.rule_name}"?`} action="Delete rule" onConfirm={() => void remove(deleting)} onClose={() => setDeleting(undefined)}>
          <p>Nothing more goes to {deleting.target_region} under it. Its replicas there stay and become ordinary assets.</p>
        </Confirm>
      )}
    </section>
  );
}
