import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, loadRegions, signIn, uploadFile, type Region, type RegionInfo, type Session } from './api.js';
import './style.css';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Asset = any;

const types = ['IMAGE', 'VIDEO', 'AUDIO', 'PPT', 'MATERIAL', 'COMMON_FILE', 'HUMAN_MODEL', 'VOICE_MODEL', 'SCENE', 'ANIMATION', 'MUSIC'];
const states = ['', 'CREATING', 'ACTIVED', 'UNACTIVED', 'FAILED', 'DELETING'];
const pageSize = 10;
const stored = (): Session | undefined => {
  const s = sessionStorage.getItem('assetbridge-session');
  return s ? (JSON.parse(s) as Session) : undefined;
};
const fmt = (n: number) => (n > 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n > 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const thumbOf = (a: Asset): string | undefined =>
  (a.files as Asset[]).find((f) => f.download_url && /^(png|jpe?g|gif|webp)$/.test(f.file_type) && (f.asset_file_category === 'COVER' || f.asset_file_category === 'MAIN'))?.download_url as string | undefined;
/** A text field of a submitted form. */
const field = (f: FormData, name: string): string => {
  const v = f.get(name);
  return typeof v === 'string' ? v : '';
};

function SignIn(props: { regions: RegionInfo[]; onSession: (s: Session) => void }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    try {
      props.onSession(await signIn(field(f, 'account'), field(f, 'user'), field(f, 'password'), props.regions));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="card signin" onSubmit={(e) => void submit(e)}>
      <h1>assetbridge</h1>
      <label>Account <input name="account" required autocomplete="organization" /></label>
      <label>User <input name="user" required autocomplete="username" /></label>
      <label>Password <input name="password" type="password" required autocomplete="current-password" /></label>
      <button type="submit">Sign in</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

function Upload(props: { region: Region; onDone: () => void }) {
  const [progress, setProgress] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const files = (form.elements.namedItem('files') as HTMLInputElement).files;
    if (!files?.length) return;
    try {
      const first = files[0] as File;
      const { asset_id } = await api(props.region, 'POST', '/digital-assets', { asset_name: field(f, 'name') || first.name, asset_type: field(f, 'type') });
      for (const [i, file] of [...files].entries()) {
        await uploadFile(props.region, asset_id as string, file, i === 0 ? 'MAIN' : 'OTHER', (sent) => setProgress(`${file.name}: ${Math.floor((100 * sent) / file.size)}%`));
      }
      setProgress('uploaded');
      form.reset();
      props.onDone();
    } catch (err) {
      setProgress(`failed: ${(err as Error).message}`);
    }
  };
  return (
    <form class="card upload" onSubmit={(e) => void submit(e)}>
      <h2>Upload</h2>
      <input name="files" type="file" multiple required aria-label="files" />
      <input name="name" placeholder="asset name (default: file name)" aria-label="asset name" />
      <select name="type" aria-label="asset type">{types.map((t) => <option key={t}>{t}</option>)}</select>
      <button type="submit">Upload</button>
      <span data-testid="upload-progress">{progress}</span>
    </form>
  );
}

function CopyPanel(props: { session: Session; from: Region; asset: Asset }) {
  const targets = props.session.regions.filter((r) => r.name !== props.from.name);
  const [target, setTarget] = useState(targets[0]?.name ?? '');
  const [status, setStatus] = useState<Asset>();
  const [error, setError] = useState('');
  const start = async () => {
    setError('');
    const to = targets.find((r) => r.name === target);
    if (!to) return;
    try {
      const info = await api(props.from, 'GET', `/digital-assets/${props.asset.asset_id}/replication-info`);
      await api(to, 'POST', '/digital-assets-by-replication-info', { asset_id: info.asset_id, asset_info: info.asset_info, encryption_info: info.encryption_info });
      for (;;) {
        const a = await api(to, 'GET', `/digital-assets/${props.asset.asset_id}`);
        setStatus(a);
        if (a.asset_state !== 'CREATING') break;
        await new Promise((r) => setTimeout(r, 300));
      }
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const r = status?.replication;
  return (
    <div class="copy">
      <label>Copy to region… <select value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)} aria-label="target region">
        {targets.map((t) => <option key={t.name}>{t.name}</option>)}
      </select></label>
      <button onClick={() => void start()}>Copy</button>
      {r && (
        <div class="progress" data-testid="copy-progress">
          <progress max={r.bytes_total || 1} value={r.bytes_done} />
          <span>{status.asset_state} in {target}: files {r.files_done}/{r.files_total}, {fmt(r.bytes_done)} of {fmt(r.bytes_total)}{r.failure_code ? ` (${r.failure_code}: ${status.reason})` : ''}</span>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

/** The media metadata the service filled (image_meta, video_meta, audio_meta), one line each. */
function MediaMeta(props: { meta: Record<string, Asset> | undefined }) {
  const entries = (['image_meta', 'video_meta', 'audio_meta'] as const).flatMap((key) => (props.meta?.[key] ? [[key, props.meta[key]] as const] : []));
  if (entries.length === 0) return null;
  const line = (m: Asset): string => {
    if (m.error_info) return `not parsed: ${m.error_info.error_msg as string}`;
    const size = m.width && m.height ? `${m.width} × ${m.height}` : undefined;
    const codec = [m.codec ?? m.video_codec, m.audio_codec].filter(Boolean).join(' + ');
    const rate = [m.frame_rate && `${m.frame_rate} fps`, m.video_bit_rate && `video ${m.video_bit_rate} kbps`, m.audio_bit_rate && `audio ${m.audio_bit_rate} kbps`];
    const audio = [m.audio_channels && `${m.audio_channels} ch`, m.sample && `${m.sample} Hz`];
    return [codec, size, m.mode, m.duration !== undefined && `${m.duration} s`, m.size !== undefined && fmt(m.size as number), ...rate, ...audio].filter(Boolean).join(' · ');
  };
  return (
    <dl class="media-meta" data-testid="media-meta">
      {entries.map(([key, m]) => [<dt key={`${key}-t`}>{key.replace('_meta', '')}</dt>, <dd key={key}>{line(m)}</dd>])}
    </dl>
  );
}

function Details(props: { session: Session; region: Region; asset: Asset; onChange: () => void }) {
  const a = props.asset;
  const act = async (method: string, path: string) => {
    await api(props.region, method, path);
    props.onChange();
  };
  return (
    <div class="card details" data-testid="details">
      <h2>{a.asset_name}</h2>
      <p>{a.asset_id} · {a.asset_type} · <b data-testid="details-state">{a.asset_state}</b></p>
      <MediaMeta meta={a.asset_extra_meta} />
      <ul>{(a.files as Asset[]).map((f) => <li key={f.file_id}>{f.asset_file_category} · {f.file_name} · {fmt(f.file_size)} {f.download_url && <a href={f.download_url}>download</a>}</li>)}</ul>
      <div class="actions">
        {a.asset_state === 'DELETING'
          ? <button onClick={() => void act('POST', `/digital-assets/${a.asset_id}/restore`)}>Restore</button>
          : <button onClick={() => void act('DELETE', `/digital-assets/${a.asset_id}`)}>Delete</button>}
        <button class="danger" onClick={() => confirm('Delete for good?') && void act('DELETE', `/digital-assets/${a.asset_id}?mode=force`)}>Delete for good</button>
      </div>
      {a.asset_state === 'ACTIVED' && props.session.regions.length > 1 && <CopyPanel session={props.session} from={props.region} asset={a} />}
    </div>
  );
}

function firstRegion(s: Session): Region {
  const r = s.regions[0];
  if (!r) throw new Error('no regions in the session');
  return r;
}

function Library(props: { session: Session; onSignOut: () => void }) {
  const [regionName, setRegionName] = useState(props.session.regions[0]?.name ?? '');
  const region = props.session.regions.find((r) => r.name === regionName) ?? firstRegion(props.session);
  const [filters, setFilters] = useState({ name: '', type: '', state: '' });
  const [offset, setOffset] = useState(0);
  const [list, setList] = useState<{ count: number; assets: Asset[] }>({ count: 0, assets: [] });
  const [selected, setSelected] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const q = new URLSearchParams({ limit: String(pageSize), offset: String(offset), sort_dir: 'desc' });
    if (filters.name) q.set('name', filters.name);
    if (filters.type) q.set('asset_type', filters.type);
    if (filters.state) q.set('asset_state', filters.state);
    api(region, 'GET', `/digital-assets?${q}`).then(setList, () => setList({ count: 0, assets: [] }));
  }, [region, filters, offset, tick]);
  const refresh = () => setTick((t) => t + 1);
  const selectedAsset = list.assets.find((a) => a.asset_id === selected);
  return (
    <div>
      <header>
        <b>assetbridge</b>
        <select value={regionName} aria-label="region" onChange={(e) => { setRegionName((e.target as HTMLSelectElement).value); setOffset(0); setSelected(undefined); }}>
          {props.session.regions.map((r) => <option key={r.name}>{r.name}</option>)}
        </select>
        <span>{props.session.user}@{props.session.account}</span>
        <button onClick={props.onSignOut}>Sign out</button>
      </header>
      <main>
        <section>
          <div class="filters">
            <input placeholder="name" aria-label="filter name" value={filters.name} onInput={(e) => setFilters({ ...filters, name: (e.target as HTMLInputElement).value })} />
            <select aria-label="filter type" onChange={(e) => setFilters({ ...filters, type: (e.target as HTMLSelectElement).value })}><option value="">any type</option>{types.map((t) => <option key={t}>{t}</option>)}</select>
            <select aria-label="filter state" onChange={(e) => setFilters({ ...filters, state: (e.target as HTMLSelectElement).value })}>{states.map((s) => <option key={s} value={s}>{s || 'any state'}</option>)}</select>
            <button onClick={refresh}>Refresh</button>
          </div>
          <table>
            <tbody>
              {list.assets.map((a) => (
                <tr key={a.asset_id} class={a.asset_id === selected ? 'selected' : ''} onClick={() => setSelected(a.asset_id as string)} data-testid="asset-row">
                  <td class="thumb">{thumbOf(a) ? <img src={thumbOf(a)} alt="" data-testid="thumbnail" /> : null}</td>
                  <td>{a.asset_name}</td><td>{a.asset_type}</td><td>{a.asset_state}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="paging">
            <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>Previous</button>
            <span>{list.count === 0 ? 0 : offset + 1}–{Math.min(offset + pageSize, list.count)} of {list.count}</span>
            <button disabled={offset + pageSize >= list.count} onClick={() => setOffset(offset + pageSize)}>Next</button>
          </div>
          <Upload region={region} onDone={refresh} />
        </section>
        {selectedAsset && <Details session={props.session} region={region} asset={selectedAsset} onChange={refresh} />}
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>(stored());
  const [regions, setRegions] = useState<RegionInfo[]>([]);
  useEffect(() => {
    loadRegions().then((c) => setRegions(c.regions.sort((a, b) => (a.name === c.region ? -1 : b.name === c.region ? 1 : 0))), () => setRegions([]));
  }, []);
  if (!session) {
    return <SignIn regions={regions} onSession={(s) => { sessionStorage.setItem('assetbridge-session', JSON.stringify(s)); setSession(s); }} />;
  }
  return <Library session={session} onSignOut={() => { sessionStorage.removeItem('assetbridge-session'); setSession(undefined); }} />;
}

render(<App />, document.getElementById('app') as HTMLElement);
