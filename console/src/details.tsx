import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Region, type Session } from './api.js';
import { routeHash } from './route.js';
import { Confirm, CopyButton, fmt, useNotify, when } from './ui.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
export type Asset = any;

export const sizeOf = (a: Asset): number => (a.files as { file_size?: number }[]).reduce((n, f) => n + (f.file_size ?? 0), 0);

/** Moves to the recycle bin or restores, with a toast whose Undo does the opposite. */
export function useBinActions(region: Region, onChange: () => void) {
  const notify = useNotify();
  const run = async (a: Asset, restore: boolean): Promise<void> => {
    try {
      await api(region, restore ? 'POST' : 'DELETE', `/digital-assets/${a.asset_id}${restore ? '/restore' : ''}`);
      onChange();
      notify(restore ? `Restored "${a.asset_name}"` : `Moved "${a.asset_name}" to the recycle bin`, () => void run(a, !restore));
    } catch (err) {
      notify(`Could not ${restore ? 'restore' : 'delete'} "${a.asset_name}": ${(err as Error).message}`);
    }
  };
  return { remove: (a: Asset) => run(a, false), restore: (a: Asset) => run(a, true) };
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
          <progress max={r.bytes_total || 1} value={r.bytes_done} aria-label={`copy to ${target}`} />
          <span>{status.asset_state} in {target}: files {r.files_done}/{r.files_total}, {fmt(r.bytes_done)} of {fmt(r.bytes_total)}{r.failure_code ? ` (${r.failure_code}: ${status.reason})` : ''}</span>
          {status.asset_state === 'ACTIVED' && <a href={routeHash({ region: target, view: 'library', assetId: props.asset.asset_id })}>Open it in {target}</a>}
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

/** Where the asset's replicas under replication rules stand, one line per target region. */
function ReplicationStatus(props: { status: Asset[] | undefined }) {
  if (!props.status || props.status.length === 0) return null;
  return (
    <>
      <h3>Replicas</h3>
      <ul class="files" data-testid="replication-status">{props.status.map((r) => (
        <li key={`${r.rule_id}-${r.target_region}`} data-testid="replica">
          {r.target_region} · <b>{r.state}</b>
          {r.completed_time && <> · completed <time dateTime={r.completed_time}>{when(r.completed_time)}</time></>}
          {r.last_error && <span class="error"> · {r.last_error}</span>}
        </li>
      ))}</ul>
    </>
  );
}

/** One asset, by id (a deep link works): a side panel, full screen on a phone. Esc or Close closes it. */
export function Details(props: { session: Session; region: Region; assetId: string; tick: number; onChange: () => void; onClose: () => void }) {
  const notify = useNotify();
  const [a, setAsset] = useState<Asset>();
  const [missing, setMissing] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [poll, setPoll] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const { remove, restore } = useBinActions(props.region, props.onChange);
  useEffect(() => {
    api(props.region, 'GET', `/digital-assets/${props.assetId}`).then(
      (asset: Asset) => { setAsset(asset); setMissing(''); },
      (err: ApiError) => { setAsset(undefined); setMissing(err.status === 404 ? `No asset ${props.assetId} in ${props.region.name}: it was deleted for good, or the link is wrong.` : err.message); },
    );
  }, [props.region, props.assetId, props.tick, poll]);
  // While a replica is on its way, the details follow it.
  const moving = (a?.replication_status as Asset[] | undefined)?.some((r) => r.state === 'PENDING' || r.state === 'COPYING') ?? false;
  useEffect(() => {
    if (!moving) return undefined;
    const timer = setTimeout(() => setPoll((p) => p + 1), 2000);
    return () => clearTimeout(timer);
  }, [moving, a]);
  // Focus moves into the details when they open (keyboard and screen reader users land there).
  useEffect(() => heading.current?.focus(), [props.assetId]);
  const forGood = async () => {
    try {
      await api(props.region, 'DELETE', `/digital-assets/${a.asset_id}?mode=force`);
      notify(`Deleted "${a.asset_name}" for good`);
      props.onClose();
      props.onChange();
    } catch (err) {
      notify(`Could not delete "${a.asset_name}": ${(err as Error).message}`);
    }
  };
  return (
    <section class="card details" data-testid="details" aria-labelledby="details-title">
      <div class="details-head">
        <h2 id="details-title" tabIndex={-1} ref={heading}>{a ? a.asset_name : 'Asset'}</h2>
        <button onClick={props.onClose}>Close</button>
      </div>
      {missing && <p class="error" role="alert">{missing}</p>}
      {!a && !missing && <p>Loading…</p>}
      {a && (
        <>
          <dl class="facts">
            <dt>State</dt><dd><b data-testid="details-state">{a.asset_state}</b>{a.reason ? ` (${a.reason})` : ''}</dd>
            <dt>Type</dt><dd>{a.asset_type}</dd>
            <dt>Size</dt><dd>{fmt(sizeOf(a))}</dd>
            <dt>Updated</dt><dd><time dateTime={a.update_time}>{when(a.update_time)}</time></dd>
            <dt>Id</dt><dd><code class="id">{a.asset_id}</code> <CopyButton value={a.asset_id} what="id" /></dd>
          </dl>
          <MediaMeta meta={a.asset_extra_meta} />
          <ReplicationStatus status={a.replication_status} />
          <h3>Files</h3>
          <ul class="files">{(a.files as Asset[]).map((f) => (
            <li key={f.file_id}>{f.asset_file_category} · {f.file_name} · {fmt(f.file_size)} · {f.state} {f.download_url && <a href={f.download_url} aria-label={`download ${f.file_name}`}>download</a>}</li>
          ))}</ul>
          <div class="actions">
            {a.asset_state === 'DELETING'
              ? <button onClick={() => void restore(a)}>Restore</button>
              : <button onClick={() => void remove(a)}>Delete</button>}
            <button class="danger" onClick={() => setConfirming(true)}>Delete for good</button>
          </div>
          {a.asset_state === 'ACTIVED' && props.session.regions.length > 1 && <CopyPanel key={a.asset_id} session={props.session} from={props.region} asset={a} />}
          {confirming && (
            <Confirm title={`Delete "${a.asset_name}" for good?`} action="Delete for good" onConfirm={() => void forGood()} onClose={() => setConfirming(false)}>
              <p>Its {a.files.length} file(s) are removed at once. This cannot be undone, and the recycle bin will not have it.</p>
            </Confirm>
          )}
        </>
      )}
    </section>
  );
}
