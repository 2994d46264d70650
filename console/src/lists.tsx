import { useEffect, useState } from 'preact/hooks';
import { api, type Region } from './api.js';
import { sizeOf, type Asset } from './details.js';
import { assetTypes } from './upload.js';
import { CopyButton, fmt, when } from './ui.js';

const pageSize = 10;
const states = ['', 'CREATING', 'ACTIVED', 'UNACTIVED', 'FAILED', 'BLOCK'];
/** The library's "any state": everything but the recycle bin (its own view) and what is gone. */
const libraryStates = 'CREATING,FAILED,UNACTIVED,ACTIVED,BLOCK,WAITING_DELETE';
const thumbOf = (a: Asset): string | undefined =>
  (a.files as Asset[]).find((f) => f.download_url && /^(png|jpe?g|gif|webp)$/.test(f.file_type) && (f.asset_file_category === 'COVER' || f.asset_file_category === 'MAIN'))?.download_url as string | undefined;

type ListState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; count: number; assets: Asset[] };

/** One page of ListAssets; a failure is an error, never an empty list. */
function useAssets(region: Region, query: Record<string, string>, offset: number, tick: number): ListState {
  const [state, setState] = useState<ListState>({ status: 'loading' });
  const key = JSON.stringify(query);
  useEffect(() => {
    let live = true;
    const q = new URLSearchParams({ limit: String(pageSize), offset: String(offset), sort_dir: 'desc', ...query });
    api(region, 'GET', `/digital-assets?${q}`).then(
      (body: { count: number; assets: Asset[] }) => live && setState({ status: 'ok', ...body }),
      (err: Error) => live && setState({ status: 'error', message: err.message }),
    );
    return () => { live = false; };
  }, [region, key, offset, tick]);
  return state;
}

export interface ListProps {
  region: Region;
  tick: number;
  selected?: string;
  open: (assetId: string) => void;
}

function Paging(props: { offset: number; count: number; setOffset: (n: number) => void }) {
  const { offset, count } = props;
  return (
    <nav class="paging" aria-label="pages">
      <button disabled={offset === 0} onClick={() => props.setOffset(Math.max(0, offset - pageSize))}>Previous</button>
      <span>{offset + 1}–{Math.min(offset + pageSize, count)} of {count}</span>
      <button disabled={offset + pageSize >= count} onClick={() => props.setOffset(offset + pageSize)}>Next</button>
    </nav>
  );
}

/** A row opens its asset on click, Enter or Space; rows are in the Tab order. */
function Row(props: { a: Asset; selected: boolean; open: (id: string) => void; children: preact.ComponentChildren }) {
  const { a } = props;
  return (
    <tr tabIndex={0} data-testid="asset-row" data-asset-id={a.asset_id} class={props.selected ? 'selected' : ''} aria-selected={props.selected}
      onClick={() => props.open(a.asset_id as string)}
      onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); props.open(a.asset_id as string); } }}>
      {props.children}
    </tr>
  );
}

const IdCell = (props: { id: string }) => (
  <td class="id-cell" data-label="Id"><code class="id">{props.id}</code> <CopyButton value={props.id} what="id" /></td>
);

/** A compact marker on an asset with replicas: how many are complete, and whether any failed. */
function ReplicaMarker(props: { status: Asset[] | undefined }) {
  const all = props.status ?? [];
  if (all.length === 0) return null;
  const done = all.filter((r) => r.state === 'COMPLETED').length;
  const failed = all.filter((r) => r.state === 'FAILED').length;
  const label = `replicas: ${done} of ${all.length} completed${failed ? `, ${failed} failed` : ''}`;
  return (
    <span class={`replica-marker${failed ? ' failed' : ''}`} data-testid="replica-marker" title={label}>
      <span aria-hidden="true">{failed ? '⚠' : '⇄'} {done}/{all.length}</span><span class="sr-only">{label}</span>
    </span>
  );
}

/** Assets as a table: name, type, state, size, updated, id (copyable). */
function AssetTable(props: { assets: Asset[]; selected?: string; open: (id: string) => void; caption: string }) {
  return (
    <table class="assets">
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr><th scope="col"><span class="sr-only">Preview</span></th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Size</th><th scope="col">Updated</th><th scope="col">Id</th></tr>
      </thead>
      <tbody>
        {props.assets.map((a) => (
          <Row key={a.asset_id} a={a} selected={a.asset_id === props.selected} open={props.open}>
            <td class="thumb">{thumbOf(a) ? <img src={thumbOf(a)} alt="" data-testid="thumbnail" /> : null}</td>
            <td class="name">{a.asset_name}</td>
            <td data-label="Type">{a.asset_type}</td>
            <td data-label="State">{a.asset_state}<ReplicaMarker status={a.replication_status} /></td>
            <td data-label="Size">{fmt(sizeOf(a))}</td>
            <td data-label="Updated"><time dateTime={a.update_time}>{when(a.update_time)}</time></td>
            <IdCell id={a.asset_id} />
          </Row>
        ))}
      </tbody>
    </table>
  );
}

/** The list's body for each state: loading, not loaded (the banner says why), empty (with what to do), or the table. */
function ListBody(props: {
  state: ListState;
  empty: preact.ComponentChildren;
  offset: number;
  setOffset: (n: number) => void;
  children: (assets: Asset[]) => preact.ComponentChildren;
}) {
  const s = props.state;
  if (s.status === 'loading') return <p class="muted">Loading…</p>;
  if (s.status === 'error') return <p class="error" data-testid="list-error">The list could not be loaded: {s.message}.</p>;
  if (s.count === 0) return <div class="empty" data-testid="empty-state">{props.empty}</div>;
  return (
    <>
      {props.children(s.assets)}
      <Paging offset={props.offset} count={s.count} setOffset={props.setOffset} />
    </>
  );
}

export function LibraryView(props: ListProps) {
  const [filters, setFilters] = useState({ name: '', type: '', state: '' });
  const [offset, setOffset] = useState(0);
  const [tick, setTick] = useState(0);
  const query: Record<string, string> = {};
  if (filters.name) query.name = filters.name;
  if (filters.type) query.asset_type = filters.type;
  const filtered = Object.keys(query).length > 0 || filters.state !== '';
  query.asset_state = filters.state || libraryStates;
  const state = useAssets(props.region, query, offset, props.tick + tick);
  const set = (f: Partial<typeof filters>) => { setFilters({ ...filters, ...f }); setOffset(0); };
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title">Library of {props.region.name}</h1>
      <div class="filters">
        <input placeholder="name" aria-label="filter name" value={filters.name} onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
        <select aria-label="filter type" value={filters.type} onChange={(e) => set({ type: (e.target as HTMLSelectElement).value })}><option value="">any type</option>{assetTypes.map((t) => <option key={t}>{t}</option>)}</select>
        <select aria-label="filter state" value={filters.state} onChange={(e) => set({ state: (e.target as HTMLSelectElement).value })}>{states.map((s) => <option key={s} value={s}>{s || 'any state'}</option>)}</select>
        <button onClick={() => setTick((t) => t + 1)}>Refresh</button>
      </div>
      <ListBody state={state} empty={filtered
        ? <p>No assets match these filters. <button onClick={() => set({ name: '', type: '', state: '' })}>Clear filters</button></p>
        : <p>No assets in {props.region.name} yet. Add files under Upload: each file becomes an asset.</p>} offset={offset} setOffset={setOffset}>
        {(assets) => <AssetTable assets={assets} selected={props.selected} open={props.open} caption={`Assets in ${props.region.name}`} />}
      </ListBody>
    </section>
  );
}

export function BinView(props: ListProps) {
  const [offset, setOffset] = useState(0);
  const state = useAssets(props.region, { asset_state: 'DELETING' }, offset, props.tick);
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title">Recycle bin of {props.region.name}</h1>
      <p class="hint">Deleted assets wait here until they are purged. Open one to restore it or delete it for good.</p>
      <ListBody state={state} empty={<p>The recycle bin is empty. Assets you delete come here and can be restored until they are purged.</p>} offset={offset} setOffset={setOffset}>
        {(assets) => <AssetTable assets={assets} selected={props.selected} open={props.open} caption={`Recycle bin of ${props.region.name}`} />}
      </ListBody>
    </section>
  );
}

/** Incoming copies still running or failed (ListAssets `copy_state`), refreshed while any runs. */
export function CopiesView(props: ListProps) {
  const [offset, setOffset] = useState(0);
  const [poll, setPoll] = useState(0);
  const state = useAssets(props.region, { copy_state: 'CREATING,FAILED' }, offset, props.tick + poll);
  const running = state.status === 'ok' && state.assets.some((a) => a.replication?.state === 'CREATING');
  useEffect(() => {
    if (!running) return undefined;
    const timer = setTimeout(() => setPoll((p) => p + 1), 2000);
    return () => clearTimeout(timer);
  }, [running, state]);
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title">Copies coming into {props.region.name}</h1>
      <ListBody state={state} empty={<p>No copies coming into {props.region.name}. To copy an asset here, open it in another region and use Copy to region….</p>} offset={offset} setOffset={setOffset}>
        {(assets) => (
          <table class="assets copies">
            <caption class="sr-only">Incoming copies in {props.region.name}</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">From</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Reason</th><th scope="col">Id</th></tr>
            </thead>
            <tbody>
              {assets.map((a) => {
                const r = a.replication ?? {};
                return (
                  <Row key={a.asset_id} a={a} selected={a.asset_id === props.selected} open={props.open}>
                    <td class="name">{a.asset_name}</td>
                    <td data-label="From">{r.source_region}</td>
                    <td data-label="State">{r.state}</td>
                    <td data-label="Progress" data-testid="copy-row-progress">
                      <progress max={r.bytes_total || 1} value={r.bytes_done ?? 0} aria-label={`copy of ${a.asset_name}`} />{' '}
                      {r.files_done}/{r.files_total} files, {fmt(r.bytes_done ?? 0)} of {fmt(r.bytes_total ?? 0)}
                    </td>
                    <td data-label="Reason" data-testid="copy-row-reason">{r.failure_code ? `${r.failure_code}: ${a.reason ?? r.last_error ?? ''}` : r.last_error ?? ''}</td>
                    <IdCell id={a.asset_id} />
                  </Row>
                );
              })}
            </tbody>
          </table>
        )}
      </ListBody>
    </section>
  );
}
