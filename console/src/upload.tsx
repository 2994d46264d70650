import { useRef, useState } from 'preact/hooks';
import { Aborted, api, uploadFile, type Region } from './api.js';
import { guessType } from './file-types.js';
import { fmt } from './ui.js';

export const assetTypes = ['IMAGE', 'VIDEO', 'AUDIO', 'PPT', 'MATERIAL', 'COMMON_FILE', 'HUMAN_MODEL', 'VOICE_MODEL', 'SCENE', 'ANIMATION', 'MUSIC'];

type Status = 'ready' | 'waiting' | 'uploading' | 'uploaded' | 'CANCELLED' | 'failed';
interface Item {
  key: number;
  file: File;
  name: string;
  type: string;
  status: Status;
  sent: number;
  /** Bytes per second so far. */
  speed: number;
  error?: string;
}

const statusText = (i: Item): string => {
  const speed = i.speed ? ` · ${fmt(i.speed)}/s` : '';
  switch (i.status) {
    case 'ready': return 'ready';
    case 'waiting': return 'waiting';
    case 'uploading': return `${Math.floor((100 * i.sent) / (i.file.size || 1))}% · ${fmt(i.sent)} of ${fmt(i.file.size)}${speed}`;
    case 'uploaded': return `uploaded · ${fmt(i.file.size)}${speed}`;
    case 'CANCELLED': return 'CANCELLED: nothing was kept';
    case 'failed': return `failed: ${i.error ?? ''}`;
  }
};

/**
 * Several files, each its own asset (name and guessed type editable until the upload starts),
 * one after the other, each with its bar and speed. Cancel turns the file CANCELLED and
 * deletes its asset for good (the asset holds no other file).
 */
export function UploadManager(props: { region: Region; onDone: () => void }) {
  const [items, setItems] = useState<Item[]>([]);
  const nextKey = useRef(0);
  const aborts = useRef(new Map<number, AbortController>());
  const patch = (key: number, p: Partial<Item>) => setItems((all) => all.map((i) => (i.key === key ? { ...i, ...p } : i)));

  const add = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    const added = files.map((file): Item => ({ key: nextKey.current++, file, name: file.name, type: guessType(file), status: 'ready', sent: 0, speed: 0 }));
    setItems((all) => [...all, ...added]);
    input.value = '';
  };

  const uploadOne = async (item: Item, controller: AbortController): Promise<void> => {
    const region = props.region;
    let assetId: string | undefined;
    let fileId: string | undefined;
    const started = performance.now();
    const speedAt = (sent: number) => sent / Math.max((performance.now() - started) / 1000, 0.001);
    try {
      patch(item.key, { status: 'uploading', sent: 0, speed: 0 });
      assetId = ((await api(region, 'POST', '/digital-assets', { asset_name: item.name, asset_type: item.type })) as { asset_id: string }).asset_id;
      await uploadFile(region, assetId, item.file, 'MAIN', {
        signal: controller.signal,
        onDeclared: (id) => (fileId = id),
        onProgress: (sent) => patch(item.key, { sent, speed: speedAt(sent) }),
      });
      patch(item.key, { status: 'uploaded', sent: item.file.size, speed: speedAt(item.file.size) });
    } catch (err) {
      if (!(err instanceof Aborted) && !controller.signal.aborted) return patch(item.key, { status: 'failed', error: (err as Error).message });
      // Cancelled: the file is cancelled at the server, then its asset (which holds nothing else) deleted for good.
      try {
        if (fileId) await api(region, 'POST', `/files/${fileId}/complete`, { state: 'CANCELLED' });
        if (assetId) await api(region, 'DELETE', `/digital-assets/${assetId}?mode=force`);
        patch(item.key, { status: 'CANCELLED' });
      } catch (cleanup) {
        patch(item.key, { status: 'failed', error: `cancelled, but the server kept the asset ${assetId ?? ''}: ${(cleanup as Error).message}` });
      }
    }
  };

  const start = async () => {
    const unnamed = items.filter((i) => i.status === 'ready' && !i.name.trim());
    if (unnamed.length > 0) {
      for (const i of unnamed) patch(i.key, { error: 'Give the asset a name before the upload.' });
      return;
    }
    const queue = items.filter((i) => i.status === 'ready');
    for (const i of queue) {
      aborts.current.set(i.key, new AbortController());
      patch(i.key, { status: 'waiting' });
    }
    for (const i of queue) {
      const controller = aborts.current.get(i.key);
      if (!controller) continue;
      if (controller.signal.aborted) patch(i.key, { status: 'CANCELLED' });
      else await uploadOne(i, controller);
      aborts.current.delete(i.key);
    }
    props.onDone();
  };

  const cancel = (i: Item) => aborts.current.get(i.key)?.abort();
  const remove = (i: Item) => setItems((all) => all.filter((x) => x.key !== i.key));
  const busy = items.some((i) => i.status === 'waiting' || i.status === 'uploading');
  const finished = items.filter((i) => ['uploaded', 'CANCELLED', 'failed'].includes(i.status));
  const ready = items.filter((i) => i.status === 'ready');

  return (
    <section class="card upload" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload</h2>
      <p class="hint">Each file becomes an asset of its own. Check its name and type, then start.</p>
      <label class="file-pick">Add files <input name="files" type="file" multiple onChange={add} /></label>
      {items.length > 0 && (
        <ul class="upload-items">
          {items.map((i) => (
            <li key={i.key} class={`upload-item ${i.status}`} data-testid="upload-item">
              <div class="upload-fields">
                <span class="file-name" title={i.file.name}>{i.file.name} ({fmt(i.file.size)})</span>
                <input value={i.name} aria-label={`asset name for ${i.file.name}`} disabled={i.status !== 'ready'} required
                  aria-invalid={i.status === 'ready' && i.error ? true : undefined}
                  onInput={(e) => patch(i.key, { name: (e.target as HTMLInputElement).value, error: undefined })} />
                <select value={i.type} aria-label={`asset type for ${i.file.name}`} disabled={i.status !== 'ready'}
                  onChange={(e) => patch(i.key, { type: (e.target as HTMLSelectElement).value })}>
                  {assetTypes.map((t) => <option key={t}>{t}</option>)}
                </select>
                {i.status === 'ready' && <button class="plain" onClick={() => remove(i)} aria-label={`Remove ${i.file.name}`}>Remove</button>}
                {(i.status === 'waiting' || i.status === 'uploading') && <button onClick={() => cancel(i)} aria-label={`Cancel ${i.file.name}`}>Cancel</button>}
              </div>
              <div class="upload-progress">
                <progress max={i.file.size || 1} value={i.status === 'uploaded' ? i.file.size || 1 : i.sent} aria-label={`upload of ${i.file.name}`} />
                <span data-testid="upload-progress" class={i.status === 'failed' ? 'error' : ''} role={i.status === 'failed' ? 'alert' : undefined}>{statusText(i)}</span>
                {i.status === 'ready' && i.error && <span class="error" role="alert">{i.error}</span>}
              </div>
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button onClick={() => void start()} disabled={busy || ready.length === 0}>Upload</button>
        {finished.length > 0 && !busy && <button class="plain" onClick={() => setItems((all) => all.filter((i) => !finished.includes(i)))}>Clear finished</button>}
      </div>
    </section>
  );
}
