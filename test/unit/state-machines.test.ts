import { describe, expect, it } from 'vitest';
import { assetStates, fileStates, type AssetState, type FileState } from '../../src/domain/asset.js';
import {
  assetActions,
  assetStateRules,
  copySourceAssetStates,
  editableAssetStates,
  endAssetStates,
  readableAssetStates,
  visibleAssetStates,
} from '../../src/domain/asset-states.js';
import { copyTaskStates } from '../../src/domain/copy-task.js';
import { copyTaskActions, endCopyTaskStates, runningCopyTaskStates, sweptCopyTaskStates } from '../../src/domain/copy-task-states.js';
import { confirmActions, fileActions, fileStateRules, listedFileStates, uploadableFileStates } from '../../src/domain/file-states.js';
import { allows, transitionsOf } from '../../src/domain/state-machine.js';
import { transferJobStates } from '../../src/domain/transfer.js';
import { pendingTransferJobStates, transferJobActions } from '../../src/domain/transfer-states.js';

/** The moves as sorted `FROM -> TO` lines, for readable comparisons. */
const moves = <S extends string>(graph: Map<S, Set<S>>): string[] =>
  [...graph].flatMap(([from, to]) => [...to].filter((t) => t !== from).map((t) => `${from} -> ${t}`)).sort();

/** States reachable from `start` through `graph`. */
function reachable<S extends string>(graph: Map<S, Set<S>>, start: S): Set<S> {
  const seen = new Set<S>([start]);
  const queue = [start];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const next of graph.get(s) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('asset states', () => {
  const graph = transitionsOf<AssetState>(assetActions);

  it('allows exactly the documented moves', () => {
    const live = ['CREATING', 'FAILED', 'UNACTIVED', 'ACTIVED'] as const;
    const recyclable = [...live, 'BLOCK', 'WAITING_DELETE'] as const;
    const expected = [
      'CREATING -> ACTIVED', 'CREATING -> FAILED', 'FAILED -> ACTIVED', 'FAILED -> CREATING',
      'ACTIVED -> UNACTIVED', 'UNACTIVED -> ACTIVED',
      ...recyclable.map((s) => `${s} -> DELETING`),
      ...recyclable.map((s) => `DELETING -> ${s}`),
      ...[...live, 'WAITING_DELETE'].flatMap((s) => [`${s} -> BLOCK`, `BLOCK -> ${s}`]),
      ...[...recyclable, 'DELETING'].map((s) => `${s} -> DELETED`),
    ];
    expect(moves(graph)).toEqual([...new Set(expected)].sort());
  });

  it('ends only in DELETED, which nothing leaves', () => {
    expect(endAssetStates).toEqual(['DELETED']);
    expect(graph.get('DELETED')).toBeUndefined();
    for (const state of assetStates) {
      if (state !== 'DELETED') expect(reachable(graph, state).has('DELETED'), state).toBe(true);
    }
  });

  it('moves an asset into BLOCK only by a scheduled block, never into WAITING_DELETE (restore and unblock only return to them)', () => {
    const { restore: _restore, unblock: _unblock, ...others } = assetActions;
    const into = (state: AssetState) => Object.entries(others).filter(([, a]) => (a.to as readonly AssetState[]).includes(state)).map(([name]) => name);
    expect(into('BLOCK')).toEqual(['block']);
    expect(into('WAITING_DELETE')).toEqual([]);
    const { block: _block, ...unscheduled } = others;
    expect(assetStates.filter((s) => !reachable(transitionsOf<AssetState>(unscheduled), 'CREATING').has(s)).sort()).toEqual(['BLOCK', 'WAITING_DELETE']);
  });

  it('restores to any state a delete to the recycle bin can start from', () => {
    expect([...assetActions.restore.to].sort()).toEqual([...assetActions.recycle.from].sort());
    expect(assetActions.recycle.from).not.toContain('DELETING');
  });

  it('lets metadata and files change only in live states, and serves files only from them', () => {
    expect(editableAssetStates).toEqual(['CREATING', 'FAILED', 'UNACTIVED', 'ACTIVED']);
    expect(readableAssetStates).toEqual(editableAssetStates);
    // Download URLs stop working at once when an asset goes to the recycle bin.
    expect(assetStateRules.DELETING.readable).toBe(false);
    expect(visibleAssetStates).toEqual(assetStates.filter((s) => s !== 'DELETED'));
  });

  it('toggles activation only once the main file is confirmed, and offers only ACTIVED assets for copy', () => {
    expect(allows(assetActions.toggleActive, 'CREATING')).toBe(false);
    expect(allows(assetActions.toggleActive, 'FAILED')).toBe(false);
    expect(allows(assetActions.toggleActive, 'UNACTIVED')).toBe(true);
    expect(assetStates.filter((s) => allows(assetActions.export, s))).toEqual(['ACTIVED']);
    // A copy already running may finish from a source that was deactivated meanwhile.
    expect([...copySourceAssetStates].sort()).toEqual(['ACTIVED', 'UNACTIVED']);
  });
});

describe('file states', () => {
  const graph = transitionsOf<FileState>(fileActions);

  it('accepts bytes until confirmed, and confirms CREATED only after an upload', () => {
    expect(uploadableFileStates).toEqual(['CREATING', 'UPLOADED']);
    expect(allows(confirmActions.CREATED, 'CREATING')).toBe(false);
    expect(allows(confirmActions.CREATED, 'UPLOADED')).toBe(true);
    for (const s of ['CREATING', 'UPLOADED'] as const) {
      expect(allows(confirmActions.FAILED, s)).toBe(true);
      expect(allows(confirmActions.CANCELLED, s)).toBe(true);
    }
    for (const s of ['CREATED', 'FAILED', 'CANCELLED', 'DELETED'] as const) {
      expect(Object.values(confirmActions).some((a) => allows(a, s)), s).toBe(false);
    }
  });

  it('makes bytes downloadable only in CREATED, reached by a confirm or a verified copy', () => {
    expect(fileStates.filter((s) => fileStateRules[s].downloadable)).toEqual(['CREATED']);
    const into = [...graph].filter(([from, to]) => from !== 'CREATED' && to.has('CREATED')).map(([from]) => from).sort();
    expect(into).toEqual(['CREATING', 'UPLOADED']);
  });

  it('frees the MAIN/COVER slot when a file fails, is cancelled or deleted, and lists failed files', () => {
    expect(fileStates.filter((s) => !fileStateRules[s].holdsSlot).sort()).toEqual(['CANCELLED', 'DELETED', 'FAILED']);
    expect(listedFileStates).toContain('FAILED');
    expect(listedFileStates).not.toContain('CANCELLED');
    expect(listedFileStates).not.toContain('DELETED');
  });

  it('deletes from any state but DELETED, which nothing leaves', () => {
    expect([...fileActions.delete.from].sort()).toEqual(fileStates.filter((s) => s !== 'DELETED').sort());
    expect(graph.get('DELETED')).toBeUndefined();
    expect(fileStateRules.DELETED.visible).toBe(false);
  });
});

describe('copy-task states', () => {
  const graph = transitionsOf(copyTaskActions);

  it('runs only in CREATING and ends in ACTIVED, FAILED or CANCELLED', () => {
    expect(runningCopyTaskStates).toEqual(['CREATING']);
    expect(endCopyTaskStates).toEqual(['ACTIVED', 'FAILED', 'CANCELLED']);
    expect(moves(graph)).toEqual(
      ['CREATING -> ACTIVED', 'CREATING -> FAILED', 'CREATING -> CANCELLED', 'ACTIVED -> CREATING', 'FAILED -> CREATING', 'CANCELLED -> CREATING'].sort(),
    );
  });

  it('lets only a running task end, and any task restart under a new epoch', () => {
    for (const action of [copyTaskActions.activate, copyTaskActions.fail, copyTaskActions.cancel]) {
      expect(copyTaskStates.filter((s) => allows(action, s))).toEqual(runningCopyTaskStates);
    }
    expect(copyTaskStates.every((s) => allows(copyTaskActions.restart, s))).toBe(true);
  });

  it('sweeps leftovers of failed and cancelled runs only (an activated run keeps its blobs)', () => {
    expect(sweptCopyTaskStates).toEqual(['FAILED', 'CANCELLED']);
    expect(sweptCopyTaskStates.every((s) => endCopyTaskStates.includes(s))).toBe(true);
  });
});

describe('transfer-job states', () => {
  const graph = transitionsOf(transferJobActions);

  it('waits only in PROCESSING, and every answer ends it once', () => {
    expect(pendingTransferJobStates).toEqual(['PROCESSING']);
    expect(moves(graph)).toEqual(['PROCESSING -> ACCEPT', 'PROCESSING -> CANCEL', 'PROCESSING -> FAIL', 'PROCESSING -> REJECT']);
    for (const end of transferJobStates.filter((st) => st !== 'PROCESSING')) expect(graph.get(end), end).toBeUndefined();
  });

  it('moves assets only from states where their main file is confirmed, without changing their state', () => {
    expect([...assetActions.transfer.from]).toEqual(['ACTIVED', 'UNACTIVED']);
    expect([...assetActions.transfer.to]).toEqual([...assetActions.transfer.from]);
  });
});
