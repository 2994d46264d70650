import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { assetPatchToRow, assetToRow, rowToAsset } from '../../src/adapters/db/row-mapping.js';
import { tagSetOf } from '../../src/adapters/db/asset-terms.js';
import { createHash } from 'node:crypto';
import {
  assetFields,
  changesFromBody,
  copiedFields,
  createInputFromBody,
  fieldsFromCopy,
  newAsset,
  patchFromChanges,
} from '../../src/domain/asset-fields.js';
import { isId } from '../../src/domain/ids.js';
import { createBodyProperties, fieldOutputProperties, presentFields, updateBodyProperties } from '../../src/http/schemas/asset-fields.js';

const owner = { projectId: 'p'.repeat(32), appUserId: null, at: '2024-05-01T10:00:00.000Z' };

/** An asset with every field set to something other than its default. */
const full = () =>
  newAsset(owner, {
    assetName: 'portrait',
    assetDescription: 'a face',
    assetType: 'IMAGE',
    tags: ['a', 'b'],
    assetExtraMeta: { nested: { deep: [1, 2] } },
    systemProperties: [{ key: 'STYLE_ID', value: 's1' }],
    assetOrder: 0,
    supportedService: ['VIDEO_2D'],
    autoOperationConfig: [{ operation: 'BLOCK', operation_time: '2030-01-01T00:00:00Z' }],
    reviewConfig: { no_need_review: true },
    sharedConfig: { shared_type: 'PRIVATE' },
  });

describe('a new asset', () => {
  it('is CREATING with fresh ids, its owner, and every field not given at its default', () => {
    const a = newAsset(owner, { assetName: 'n', assetType: 'VIDEO' });
    expect(a).toEqual({
      projectId: owner.projectId, assetId: a.assetId, produceId: a.produceId, appUserId: null,
      assetState: 'CREATING', stateBeforeDelete: null, stateBeforeBlock: null, failType: null, blockReasonCode: null, reason: null,
      createdAt: owner.at, updatedAt: owner.at, deletedAt: null,
      assetName: 'n', assetType: 'VIDEO', assetDescription: null, tags: [], assetExtraMeta: {}, systemProperties: [],
      assetOrder: null, supportedService: [], autoOperationConfig: [], reviewConfig: null, sharedConfig: null,
    });
    expect(isId(a.assetId) && isId(a.produceId) && a.assetId !== a.produceId).toBe(true);
    // Defaults are fresh values, never one array shared between assets.
    expect(newAsset(owner, { assetName: 'm', assetType: 'VIDEO' }).tags).not.toBe(a.tags);
  });

  it('keeps a given id (a copy keeps its source id)', () => {
    expect(newAsset({ ...owner, assetId: 'a'.repeat(32) }, { assetName: 'n', assetType: 'VIDEO' }).assetId).toBe('a'.repeat(32));
  });
});

describe('request bodies', () => {
  it('map every field from its API name to its domain name, and leave out unknown ones', () => {
    const input = createInputFromBody({ asset_name: 'n', asset_type: 'IMAGE', asset_order: 3, tags: ['t'], is_need_generate_cover: true, other: 1 });
    expect(input).toEqual({ assetName: 'n', assetType: 'IMAGE', assetOrder: 3, tags: ['t'], isNeedGenerateCover: true });
  });

  it('accept is_need_generate_cover on create only, and never store it', () => {
    expect(Object.keys(createBodyProperties)).toContain('is_need_generate_cover');
    expect(Object.keys(updateBodyProperties)).not.toContain('is_need_generate_cover');
    expect(Object.keys(fieldOutputProperties)).not.toContain('is_need_generate_cover');
    const asset = newAsset(owner, { assetName: 'n', assetType: 'IMAGE', isNeedGenerateCover: true });
    expect(Object.keys(asset)).not.toContain('isNeedGenerateCover');
    expect(Object.keys(assetToRow(asset))).not.toContain('is_need_generate_cover');
  });

  it('require on create exactly the required fields, and make every field optional on update', () => {
    expect(Type.Object(createBodyProperties).required?.sort()).toEqual(['asset_name', 'asset_type']);
    expect(Type.Object(updateBodyProperties).required).toBeUndefined();
    const updatable = Object.values(assetFields).filter((f) => f.update !== 'no').map((f) => f.api);
    expect(Object.keys(updateBodyProperties).sort()).toEqual(updatable.sort());
  });

  it('update only the fields sent; system properties merge by key (ADD replaces, DELETE removes)', () => {
    const a = full();
    const changes = changesFromBody({
      asset_description: 'new',
      system_properties: [{ key: 'STYLE_ID', value: 's2' }, { key: 'DH_ID', value: 'd', action: 'ADD' }, { key: 'GONE', value: '', action: 'DELETE' }],
    });
    expect(patchFromChanges(a, changes)).toEqual({
      assetDescription: 'new',
      systemProperties: [{ key: 'STYLE_ID', value: 's2' }, { key: 'DH_ID', value: 'd' }],
    });
    expect(patchFromChanges(a, changesFromBody({ system_properties: [{ key: 'STYLE_ID', value: '', action: 'DELETE' }] }))).toEqual({ systemProperties: [] });
    expect(patchFromChanges(a, {})).toEqual({});
  });
});

describe('DigitalAssetInfo', () => {
  it('shows every stored field by its API name and leaves unset ones out', () => {
    expect(presentFields(full())).toEqual({
      asset_name: 'portrait', asset_description: 'a face', asset_type: 'IMAGE', tags: ['a', 'b'], asset_extra_meta: { nested: { deep: [1, 2] } },
      system_properties: [{ key: 'STYLE_ID', value: 's1' }], asset_order: 0, supported_service: ['VIDEO_2D'], auto_operation_config: [{ operation: 'BLOCK', operation_time: '2030-01-01T00:00:00Z' }],
      review_config: { no_need_review: true }, shared_config: { shared_type: 'PRIVATE' },
    });
    const bare = presentFields(newAsset(owner, { assetName: 'n', assetType: 'VIDEO' }));
    expect(Object.entries(bare).filter(([, v]) => v !== undefined).map(([k]) => k).sort()).toEqual(
      ['asset_extra_meta', 'asset_name', 'asset_type', 'auto_operation_config', 'supported_service', 'system_properties', 'tags'],
    );
  });
});

describe('rows', () => {
  it('store every field in its column and read it back unchanged', () => {
    const a = full();
    const row = assetToRow(a);
    expect(row).toMatchObject({ asset_name: 'portrait', asset_order: 0, tags: '["a","b"]', review_config: '{"no_need_review":true}', asset_description: 'a face' });
    expect(rowToAsset(row)).toEqual(a);
    const bare = newAsset(owner, { assetName: 'n', assetType: 'VIDEO' });
    expect(assetToRow(bare)).toMatchObject({ asset_description: null, asset_order: null, review_config: null, shared_config: null, tags: '[]' });
    expect(rowToAsset(assetToRow(bare))).toEqual(bare);
  });

  it('write only the patched columns, a null as NULL; new tags also write their tag set', () => {
    expect(assetPatchToRow({ tags: ['x'], reviewConfig: null, assetState: 'ACTIVED', updatedAt: 't' })).toEqual({
      tags: '["x"]', review_config: null, asset_state: 'ACTIVED', updated_at: 't', ...tagSetOf(['x']),
    });
    expect(tagSetOf(['b', 'a', 'b'])).toEqual({ tag_set: 'a\nb', tag_set_key: createHash('sha256').update('a\nb').digest('hex') });
    expect(assetPatchToRow({ assetState: 'ACTIVED', updatedAt: 't' })).not.toHaveProperty('tag_set');
  });
});

describe('copies', () => {
  it('carry the copied fields under their API names; region settings stay behind', () => {
    const a = full();
    const meta = copiedFields(a);
    expect(Object.keys(meta).sort()).toEqual(
      ['asset_description', 'asset_extra_meta', 'asset_name', 'asset_order', 'asset_type', 'auto_operation_config', 'supported_service', 'system_properties', 'tags'],
    );
    const copy = newAsset({ ...owner, assetId: a.assetId }, fieldsFromCopy(meta));
    expect({ ...copy, produceId: a.produceId }).toEqual({ ...a, reviewConfig: null, sharedConfig: null });
  });

  it('give fields an older region did not send their defaults', () => {
    const meta = copiedFields(full()) as Record<string, unknown>;
    delete meta.supported_service;
    const copy = newAsset(owner, fieldsFromCopy(meta as ReturnType<typeof copiedFields>));
    expect(copy.supportedService).toEqual([]);
  });
});
